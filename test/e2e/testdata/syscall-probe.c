/* Built static by containers-exec-native.test.ts and run in a container: prints, for syscalls the
 * default seccomp profile denies (keyctl, add_key, mount), newer ones (cachestat, fchmodat2,
 * map_shadow_stack, mseal, setxattrat) and an unassigned number, the errno each call gets. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void) {
	/* Invalid arguments everywhere: only the errno matters (the filter's answer, else the kernel's). */
	long nrs[] = {250, 248, 165, 451, 452, 453, 462, 463, 500};
	for (unsigned i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		errno = 0;
		long r = syscall(nrs[i], -1L, 0L, 0L, -1L, 0L, 0L);
		printf("%ld: %ld %d\n", nrs[i], r, r < 0 ? errno : 0);
	}
	return 0;
}
