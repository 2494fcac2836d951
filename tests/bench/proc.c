/*
 * proc: process-level measurements for the benchmark (tests/bench/run.sh).
 *
 *   proc io OUT CMD [ARG]...
 *       Runs CMD and writes its /proc/<pid>/io counters to the file OUT
 *       (write_bytes counts what the command and the children it reaped
 *       made dirty in the page cache, i.e. what goes to the disk).  The
 *       counters are read while CMD is a zombie (waitid with WNOWAIT), the
 *       last moment they exist.  Exits with CMD's status.
 *   proc rss OUT CMD [ARG]...
 *       Runs CMD and writes its peak resident memory in KiB (ru_maxrss
 *       of RUSAGE_CHILDREN: CMD is the only child reaped, so the peak is
 *       the largest of CMD and the children it reaped) to the file OUT.
 *       Exits with CMD's status.
 *   proc reps K CMD [ARG]...
 *       Runs CMD K times one after the other, stdout to /dev/null, and
 *       prints "median=<s> min=<s> failed=<n> status=<last bad status>":
 *       wall time of each run from fork to the end of the child
 *       (CLOCK_MONOTONIC).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "proc: %s: %s\n", what, strerror(errno));
	exit(125);
}

static pid_t
spawn(char **argv, int devnull_stdout)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (devnull_stdout) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
			close(fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "proc: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Exit status of a reaped child in the shell's convention. */
static int
shell_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}

static int
reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return shell_status(status);
}

static int
run_io(const char *out, char **argv)
{
	char path[64], buf[4096];
	siginfo_t info;
	pid_t pid;
	FILE *in, *o;
	size_t n;

	pid = spawn(argv, 0);
	memset(&info, 0, sizeof(info));
	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR)
			die("waitid");
	snprintf(path, sizeof(path), "/proc/%ld/io", (long)pid);
	if (!(o = fopen(out, "w")))
		die(out);
	if ((in = fopen(path, "r"))) {
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, o);
		fclose(in);
	}
	if (fclose(o) != 0)
		die(out);
	return reap(pid);
}

static int
run_rss(const char *out, char **argv)
{
	struct rusage ru;
	FILE *o;
	int status;

	/* The only child this process reaps: the children's peak is its. */
	status = reap(spawn(argv, 0));
	if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
		die("getrusage");
	if (!(o = fopen(out, "w")))
		die(out);
	fprintf(o, "%ld\n", ru.ru_maxrss);
	if (fclose(o) != 0)
		die(out);
	return status;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
run_reps(long k, char **argv)
{
	double *t, med;
	long i, failed = 0;
	int bad = 0;

	if (k < 1 || !(t = calloc((size_t)k, sizeof(*t))))
		die("reps");
	for (i = 0; i < k; i++) {
		double t0 = now();
		int st = reap(spawn(argv, 1));

		t[i] = now() - t0;
		if (st != 0) {
			failed++;
			bad = st;
		}
	}
	qsort(t, (size_t)k, sizeof(*t), cmp_double);
	med = k % 2 ? t[k / 2] : (t[k / 2 - 1] + t[k / 2]) / 2;
	printf("median=%.6f min=%.6f failed=%ld status=%d\n", med, t[0],
	    failed, bad);
	free(t);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "io"))
		return run_io(argv[2], argv + 3);
	if (argc >= 4 && !strcmp(argv[1], "rss"))
		return run_rss(argv[2], argv + 3);
	if (argc >= 4 && !strcmp(argv[1], "reps"))
		return run_reps(strtol(argv[2], NULL, 10), argv + 3);
	fprintf(stderr, "usage: proc io OUT CMD [ARG]... | "
	    "proc rss OUT CMD [ARG]... | proc reps K CMD [ARG]...\n");
	return 2;
}
