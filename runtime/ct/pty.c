/*
 * A terminal for vzctl enter: the pty pair is made inside the VE, from the VE's own devpts
 * instance, so no host terminal is handed in; only the master side comes out to vzctl, which
 * relays it to the user's terminal in raw mode and forwards window size changes.
 */
#include "ct-internal.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>

/* A one-byte message that carries one file descriptor (SCM_RIGHTS). */
struct fd_msg {
	char byte;
	struct iovec iov;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg;
};

static struct msghdr *fd_msg_init(struct fd_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->byte = 'p';
	m->iov = (struct iovec){.iov_base = &m->byte, .iov_len = 1};
	m->msg = (struct msghdr){.msg_iov = &m->iov,
				 .msg_iovlen = 1,
				 .msg_control = m->u.buf,
				 .msg_controllen = sizeof(m->u.buf)};
	return &m->msg;
}

int ct_pty_open_inside(int sock)
{
	struct fd_msg m;
	struct msghdr *msg = fd_msg_init(&m);
	int unlock = 0, master, slave;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -1;
	/* TIOCGPTPEER opens the slave from the master: no path lookup in the VE's /dev/pts. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return -1;
	m.u.h.cmsg_level = SOL_SOCKET;
	m.u.h.cmsg_type = SCM_RIGHTS;
	m.u.h.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&m.u.h), &master, sizeof(int));
	if (sendmsg(sock, msg, 0) != 1)
		return -1;
	close(master);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return -1;
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		return -1;
	if (slave > 2)
		close(slave);
	return 0;
}

static int recv_fd(int sock)
{
	struct fd_msg m;
	struct msghdr *msg = fd_msg_init(&m);
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, msg, MSG_CMSG_CLOEXEC) != 1)
		return -EIO;
	c = CMSG_FIRSTHDR(msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EIO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

static int pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return 0;
		off += w;
	}
	return 1;
}

int ct_pty_relay(int sock, int in, int out)
{
	struct termios saved, raw;
	bool tty = isatty(in) && tcgetattr(in, &saved) == 0;
	sigset_t mask;
	int master = recv_fd(sock), sfd;

	if (master < 0)
		return log_errno(master, "Unable to get the VE's terminal: %m");
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(in, TCSANOW, &raw);
		copy_winsize(in, master);
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	struct pollfd p[3] = {{.fd = in, .events = POLLIN},
			      {.fd = master, .events = POLLIN},
			      {.fd = sfd, .events = POLLIN}};
	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			(void)!read(sfd, &si, sizeof(si));
			copy_winsize(in, master);
		}
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(master, out))
			break; /* EIO: the last process inside closed the terminal */
		if (p[0].fd >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !pump(in, master))
			p[0].fd = -1; /* our input ended; keep showing output */
	}
	if (tty)
		tcsetattr(in, TCSANOW, &saved);
	close(sfd);
	close(master);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	return 0;
}
