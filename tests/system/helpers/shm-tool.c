/* A tiny static helper for the IPC tests: it runs in busybox containers,
 * which have no ipcmk. `shm-tool put KEY TEXT` creates a SysV shared
 * memory segment and writes TEXT; `shm-tool get KEY` prints it, or exits
 * 1 when no segment with that key is visible. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	key_t key = (key_t)strtol(argv[2], NULL, 0);
	if (strcmp(argv[1], "put") == 0 && argc == 4) {
		int id = shmget(key, 4096, IPC_CREAT | 0600);
		if (id < 0)
			return perror("shmget"), 1;
		char *p = shmat(id, NULL, 0);
		if (p == (void *)-1)
			return perror("shmat"), 1;
		snprintf(p, 4096, "%s", argv[3]);
		return 0;
	}
	if (strcmp(argv[1], "get") == 0) {
		int id = shmget(key, 0, 0);
		if (id < 0)
			return 1;
		char *p = shmat(id, NULL, SHM_RDONLY);
		if (p == (void *)-1)
			return 1;
		printf("%s\n", p);
		return 0;
	}
	if (strcmp(argv[1], "rm") == 0) {
		int id = shmget(key, 0, 0);
		return id < 0 || shmctl(id, IPC_RMID, NULL) < 0;
	}
	return 2;
}
