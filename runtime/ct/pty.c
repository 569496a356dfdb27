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

int ct_pty_open_inside(int sock)
{
	int unlock = 0, master, slave;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -1;
	/* TIOCGPTPEER opens the slave from the master: no path lookup in the VE's /dev/pts. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return -1;
	if (ve_send_fd(sock, 'p', master) < 0)
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

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Our input ended: the terminal's end-of-file character (^D), which a shell at an empty line
 * takes as EOF and exits on, as it would at the console. */
static void send_eof(int master)
{
	struct termios t;
	char c = 4;

	if (tcgetattr(master, &t) == 0 && t.c_cc[VEOF] != _POSIX_VDISABLE)
		c = (char)t.c_cc[VEOF];
	(void)!write(master, &c, 1);
}

/* Copies what from has to to; 0 at its end or an error. *last (if given): the last byte. */
static int pump(int from, int to, char *last)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0;
	if (last)
		*last = buf[n - 1];
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
	int master = ve_recv_fd(sock, NULL), sfd;

	if (master < 0)
		return log_errno(-EIO, "Unable to get the VE's terminal: %m");
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
	uint64_t next_eof = 0;
	char last = '\n';
	struct pollfd p[3] = {{.fd = in, .events = POLLIN},
			      {.fd = master, .events = POLLIN},
			      {.fd = sfd, .events = POLLIN}};
	for (;;) {
		if (poll(p, 3, p[0].fd < 0 ? 100 : -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			(void)!read(sfd, &si, sizeof(si));
			copy_winsize(in, master);
		}
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(master, out, NULL))
			break; /* EIO: the last process inside closed the terminal */
		if (p[0].fd >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !pump(in, master, &last)) {
			p[0].fd = -1;	  /* our input ended; keep showing output */
			if (last != '\n') /* a last line without its newline still runs */
				(void)!write(master, "\n", 1);
		}
		/*
		 * Closed input reads as end-of-file every time: ^D now and every 100 ms while the
		 * terminal stays open (a shell flushes what arrived before it reads; one at an
		 * empty line exits on it, as at the console).
		 */
		if (p[0].fd < 0 && ve_now_usec() >= next_eof) {
			send_eof(master);
			next_eof = ve_now_usec() + 100000;
		}
	}
	if (tty)
		tcsetattr(in, TCSANOW, &saved);
	close(sfd);
	close(master);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	return 0;
}
