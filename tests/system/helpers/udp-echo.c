/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* udp-echo PORT: answers every UDP datagram on PORT with "echo:" and what
 * came; udp-echo HOST PORT TEXT: sends TEXT there and prints the answer
 * (exit 1 after 3 s without one). For the tests of published UDP ports:
 * busybox has no UDP server. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[512];
	if (fd < 0)
		return 2;
	if (argc == 2) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			return perror("bind"), 2;
		for (;;) {
			struct sockaddr_in from;
			socklen_t len = sizeof(from);
			ssize_t n = recvfrom(fd, buf + 5, sizeof(buf) - 5, 0,
					     (struct sockaddr *)&from, &len);
			if (n < 0)
				continue;
			memcpy(buf, "echo:", 5);
			sendto(fd, buf, (size_t)n + 5, 0, (struct sockaddr *)&from, len);
		}
	}
	if (argc != 4)
		return fprintf(stderr, "usage: udp-echo PORT | udp-echo HOST PORT TEXT\n"), 2;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1)
		return 2;
	struct timeval tv = { .tv_sec = 1 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < 3; i++) {
		sendto(fd, argv[3], strlen(argv[3]), 0, (struct sockaddr *)&to, sizeof(to));
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = 0;
			printf("%s\n", buf);
			return 0;
		}
	}
	return 1;
}
