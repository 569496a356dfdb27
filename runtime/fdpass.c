/* Passing a file descriptor over a unix socket (SCM_RIGHTS), one byte of data with it. */
#include "util.h"

#include <string.h>
#include <sys/socket.h>

struct fd_msg {
	char byte;
	struct iovec iov;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg;
};

static struct msghdr *fd_msg_init(struct fd_msg *m, char byte)
{
	memset(m, 0, sizeof(*m));
	m->byte = byte;
	m->iov = (struct iovec){.iov_base = &m->byte, .iov_len = 1};
	m->msg = (struct msghdr){.msg_iov = &m->iov,
				 .msg_iovlen = 1,
				 .msg_control = m->u.buf,
				 .msg_controllen = sizeof(m->u.buf)};
	return &m->msg;
}

int ve_send_fd(int sock, char byte, int fd)
{
	struct fd_msg m;
	struct msghdr *msg = fd_msg_init(&m, byte);

	if (fd < 0) {
		msg->msg_control = NULL;
		msg->msg_controllen = 0;
	} else {
		m.u.h.cmsg_level = SOL_SOCKET;
		m.u.h.cmsg_type = SCM_RIGHTS;
		m.u.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&m.u.h), &fd, sizeof(int));
	}
	return sendmsg(sock, msg, MSG_NOSIGNAL) == 1 ? 0 : -EIO;
}

int ve_recv_fd(int sock, char *ret_byte)
{
	struct fd_msg m;
	struct msghdr *msg = fd_msg_init(&m, 0);
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(sock, msg, MSG_CMSG_CLOEXEC) != 1)
		return -EIO;
	c = CMSG_FIRSTHDR(msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (ret_byte)
		*ret_byte = m.byte;
	return fd;
}
