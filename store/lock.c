/*
 * lock.c: the one timed flock (policy in lock.h).
 */
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"

void
cairn_lock_wait_init(struct cairn_lock_wait *w, long long timeout_ms)
{
	w->timeout_ms = timeout_ms;
	w->left_ms = timeout_ms;
	w->step_ms = 1;
}

int
cairn_lock_pause(struct cairn_lock_wait *w)
{
	struct timespec ts;
	long step = w->step_ms;

	if (w->left_ms <= 0)
		return 0;
	if (step > w->left_ms)
		step = (long)w->left_ms;
	ts.tv_sec = step / 1000;
	ts.tv_nsec = (step % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	w->left_ms -= step;
	if (w->step_ms < 32)
		w->step_ms *= 2;
	return 1;
}

/* When process pid started, as seconds since the epoch; -1 if unknown. */
static long long
started(long pid)
{
	char path[64], line[1024], *p;
	unsigned long long ticks = 0, btime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	size_t n;
	FILE *f;
	int i, ok = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	/*
	 * From the blank before field 3 (after the command name's closing
	 * parenthesis) to the one before field 22, the start time.
	 */
	if ((p = strrchr(line, ')')) == NULL)
		return -1;
	for (i = 3, p++; i < 22 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu", &ticks) != 1 || hz <= 0)
		return -1;
	if ((f = fopen("/proc/stat", "re")) == NULL)
		return -1;
	while (!ok && fgets(line, sizeof(line), f) != NULL)
		ok = sscanf(line, "btime %llu", &btime) == 1;
	fclose(f);
	return ok ? (long long)(btime + ticks / (unsigned long long)hz) : -1;
}

/*
 * "; held by pid <n>, running since <time>" for the process /proc/locks
 * names as holding a flock on the file st describes, into buf; "" if
 * none is named (another system, another process's view).
 */
static void
holder(const struct stat *st, char *buf, size_t size)
{
	char line[256], type[16], kind[16];
	unsigned int maj, min;
	unsigned long long ino;
	long pid, me = (long)getpid();
	long long t;
	struct tm tm;
	time_t tt;
	FILE *f;

	buf[0] = '\0';
	if (st == NULL || (f = fopen("/proc/locks", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* "<n>: FLOCK ADVISORY WRITE <pid> <maj>:<min>:<ino> ..." */
		if (strstr(line, "->") != NULL ||	/* a waiter */
		    sscanf(line, "%*d: %15s %*s %15s %ld %x:%x:%llu", type,
		    kind, &pid, &maj, &min, &ino) != 6 ||
		    strcmp(type, "FLOCK") != 0 || pid == me ||
		    ino != (unsigned long long)st->st_ino ||
		    makedev(maj, min) != st->st_dev)
			continue;
		if ((t = started(pid)) < 0) {
			snprintf(buf, size, "; held by pid %ld", pid);
			break;
		}
		tt = (time_t)t;
		gmtime_r(&tt, &tm);
		snprintf(buf, size, "; held by pid %ld, running since "
		    "%04d-%02d-%02d %02d:%02d:%02d UTC", pid, tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		break;
	}
	fclose(f);
}

const struct cairn_error *
cairn_lock_busy(const struct cairn_lock_wait *w, const struct stat *st,
    const char *what)
{
	char who[160];

	holder(st, who, sizeof(who));
	return cairn_error_new(CAIRN_ERR_LOCKED, "%s (waited %lld ms%s)", what,
	    w->timeout_ms, who);
}

const struct cairn_error *
cairn_lock_take(struct cairn_vfs *vfs, int fd, int op,
    struct cairn_lock_wait *w, const char *path, const char *what)
{
	struct stat st;

	while (vfs->flock(vfs, fd, op | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK)
			return cairn_error_sys(errno, "lock '%s'", path);
		if (!cairn_lock_pause(w))
			return cairn_lock_busy(w, vfs->fstat(vfs, fd, &st) == 0 ?
			    &st : NULL, what);
	}
	return NULL;
}
