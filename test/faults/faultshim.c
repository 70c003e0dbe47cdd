/*
 * faultshim: an LD_PRELOAD library that makes chosen writes, fsyncs, renames and file creations of a process
 * fail with a chosen errno, so the fault-injection tests (test/faults/) can break every site of stamplog's
 * write path in turn — LevelDB's native writes (C++, its own threads) and node's fs calls (libuv) alike, since
 * both go through these glibc functions. Built by the tests with the system compiler:
 *
 *   cc -shared -fPIC -O2 -o faultshim.so faultshim.c -ldl
 *
 * Environment (read once, at load):
 *   STAMPLOG_FAULT_ROOT     only files whose path contains this string are affected (the data directory);
 *                           unset: the shim affects nothing
 *   STAMPLOG_FAULT_CONTROL  a file of rules, one a line (absent or empty: no faults), re-read whenever it
 *                           changes (inode, size or mtime; write it by renaming a temporary file over it):
 *
 *       op=fsync path=/STAMPLOG-CHECKPOINT errno=EIO after=0 count=1000000
 *
 *     op     write (write, pwrite, pwrite64, writev, pwritev, and the stdio fwrite, fwrite_unlocked, fflush,
 *            fflush_unlocked that LevelDB's own files use), fsync (fsync, fdatasync), rename (rename, renameat,
 *            renameat2: matched on either path), open (open/openat/creat with O_CREAT, fopen for writing: a
 *            call that may create a file), or several joined by commas; `any` is all of them
 *     path   a substring of the file's path (for an fd: its /proc/self/fd link); a trailing `$` anchors it at
 *            the end (`/db$` is the directory itself, not the files in it); empty matches every file under
 *            the root
 *     errno  EIO, ENOSPC, EDQUOT, EROFS, or a number
 *     after  matching calls let through before the first failure (default 0)
 *     count  failures to inject, then let calls through again (default unlimited)
 *     lose   1: a failed fsync also loses what was written since the file's last successful fsync (the
 *            file is truncated back to that size; kept whole if it was never synced by this process), as the
 *            page cache does after a failed writeback followed by a power cut (PostgreSQL's "fsyncgate").
 *            A failed fflush always discards the stream's buffered bytes (__fpurge): they were not written.
 *   STAMPLOG_FAULT_LOG      a file to which one line is appended per injected fault:
 *                           `<function> <errno name> <path>`; the tests count these lines to prove a fault fired
 *   STAMPLOG_FAULT_TRACE    if set to 1, every intercepted call under the root is written to stderr (for
 *                           finding which calls a site makes; not used by the tests)
 *
 * A failing call returns -1 with errno set and does nothing (no bytes written, nothing renamed or created).
 *
 * Paths of fds are resolved with readlink(/proc/self/fd/N) on every call, deliberately not cached: libuv
 * closes files with syscall(SYS_close), which bypasses an interposed close(), so a per-fd cache could not
 * be invalidated reliably when an fd number is reused. The shim only resolves a path when a rule is active
 * or tracing is on, so with no rule it costs one stat() of the control file per intercepted call.
 *
 * Thread safety: rules and counters are guarded by one mutex; the real functions run outside it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdio_ext.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* glibc may define these as macros (inline fast paths); the shim defines the functions themselves. */
#undef fwrite_unlocked
#undef fflush_unlocked

#define OP_WRITE 1
#define OP_FSYNC 2
#define OP_RENAME 4
#define OP_OPEN 8
#define MAX_RULES 16
#define PATH_CAP 4096

struct rule {
  int ops;
  char path[512];
  int err;
  long after;
  long count;
  int lose;
  long seen;
  long fired;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct rule rules[MAX_RULES];
static int nrules;
static const char *root;
static const char *control;
static const char *faultlog;
static int trace;
/* Identity of the control file last parsed (all zero: absent). */
static dev_t ctl_dev;
static ino_t ctl_ino;
static off_t ctl_size;
static struct timespec ctl_mtime;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off64_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned int);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_creat)(const char *, mode_t);
static int (*real_creat64)(const char *, mode_t);

#define RESOLVE(name) real_##name = dlsym(RTLD_NEXT, #name)

__attribute__((constructor)) static void init(void) {
  RESOLVE(write);
  RESOLVE(pwrite);
  RESOLVE(pwrite64);
  RESOLVE(writev);
  RESOLVE(pwritev);
  RESOLVE(pwritev64);
  RESOLVE(fsync);
  RESOLVE(fdatasync);
  RESOLVE(rename);
  RESOLVE(renameat);
  RESOLVE(renameat2);
  RESOLVE(open);
  RESOLVE(open64);
  RESOLVE(openat);
  RESOLVE(openat64);
  RESOLVE(creat);
  RESOLVE(creat64);
  root = getenv("STAMPLOG_FAULT_ROOT");
  if (root != NULL && root[0] == '\0') root = NULL;
  control = getenv("STAMPLOG_FAULT_CONTROL");
  faultlog = getenv("STAMPLOG_FAULT_LOG");
  const char *t = getenv("STAMPLOG_FAULT_TRACE");
  trace = t != NULL && strcmp(t, "1") == 0;
}

static const struct {
  const char *name;
  int value;
} errnames[] = {{"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EDQUOT", EDQUOT}, {"EROFS", EROFS}, {"EPERM", EPERM}, {"EACCES", EACCES}};

static const char *errname(int e) {
  for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
    if (errnames[i].value == e) return errnames[i].name;
  return "E?";
}

static int parse_errno(const char *s) {
  for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
    if (strcmp(errnames[i].name, s) == 0) return errnames[i].value;
  int n = atoi(s);
  return n > 0 ? n : EIO;
}

static int parse_ops(const char *s) {
  int ops = 0;
  char buf[128];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    if (strcmp(tok, "write") == 0) ops |= OP_WRITE;
    else if (strcmp(tok, "fsync") == 0) ops |= OP_FSYNC;
    else if (strcmp(tok, "rename") == 0) ops |= OP_RENAME;
    else if (strcmp(tok, "open") == 0) ops |= OP_OPEN;
    else if (strcmp(tok, "any") == 0) ops |= OP_WRITE | OP_FSYNC | OP_RENAME | OP_OPEN;
  }
  return ops;
}

/* Reads the whole control file with raw syscalls (never through the interposed functions). */
static void parse_control(void) {
  nrules = 0;
  int fd = (int)syscall(SYS_openat, AT_FDCWD, control, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char text[8192];
  size_t len = 0;
  for (;;) {
    long n = syscall(SYS_read, fd, text + len, sizeof text - 1 - len);
    if (n <= 0) break;
    len += (size_t)n;
    if (len >= sizeof text - 1) break;
  }
  syscall(SYS_close, fd);
  text[len] = '\0';
  for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL && nrules < MAX_RULES; line = strtok_r(NULL, "\n", &save)) {
    struct rule r = {.ops = 0, .path = "", .err = EIO, .after = 0, .count = -1, .lose = 0, .seen = 0, .fired = 0};
    for (char *s2 = NULL, *field = strtok_r(line, " \t", &s2); field != NULL; field = strtok_r(NULL, " \t", &s2)) {
      char *eq = strchr(field, '=');
      if (eq == NULL) continue;
      *eq = '\0';
      const char *v = eq + 1;
      if (strcmp(field, "op") == 0) r.ops = parse_ops(v);
      else if (strcmp(field, "path") == 0) snprintf(r.path, sizeof r.path, "%s", v);
      else if (strcmp(field, "errno") == 0) r.err = parse_errno(v);
      else if (strcmp(field, "after") == 0) r.after = atol(v);
      else if (strcmp(field, "count") == 0) r.count = atol(v);
      else if (strcmp(field, "lose") == 0) r.lose = atoi(v);
    }
    if (r.ops != 0) rules[nrules++] = r;
  }
}

/* Re-parses the control file if it changed since the last look. Call with `lock` held. */
static void refresh(void) {
  struct stat st;
  if (control == NULL) return;
  if (stat(control, &st) != 0) memset(&st, 0, sizeof st);
  if (st.st_dev == ctl_dev && st.st_ino == ctl_ino && st.st_size == ctl_size && st.st_mtim.tv_sec == ctl_mtime.tv_sec &&
      st.st_mtim.tv_nsec == ctl_mtime.tv_nsec)
    return;
  ctl_dev = st.st_dev;
  ctl_ino = st.st_ino;
  ctl_size = st.st_size;
  ctl_mtime = st.st_mtim;
  if (st.st_ino == 0) nrules = 0;
  else parse_control();
}

/* Appends one line to STAMPLOG_FAULT_LOG and (tracing or not) to stderr, with raw syscalls. */
static void note_line(const char *line, int to_log) {
  size_t n = strlen(line);
  if (to_log && faultlog != NULL) {
    int fd = (int)syscall(SYS_openat, AT_FDCWD, faultlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      syscall(SYS_write, fd, line, n);
      syscall(SYS_close, fd);
    }
  }
  syscall(SYS_write, 2, line, n);
}

/* The path behind `fd` into buf (empty if unknown). */
static void fd_path(int fd, char *buf, size_t cap) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, buf, cap - 1);
  buf[n > 0 ? n : 0] = '\0';
}

/* An absolute form of `path` relative to `dirfd` (best effort: the path itself when that fails). */
static void at_path(int dirfd, const char *path, char *buf, size_t cap) {
  if (path == NULL) {
    buf[0] = '\0';
    return;
  }
  if (path[0] == '/' || dirfd == AT_FDCWD) {
    if (path[0] == '/' || getcwd(buf, cap) == NULL) snprintf(buf, cap, "%s", path);
    else {
      size_t l = strlen(buf);
      snprintf(buf + l, cap - l, "/%s", path);
    }
    return;
  }
  fd_path(dirfd, buf, cap);
  size_t l = strlen(buf);
  snprintf(buf + l, cap - l, "/%s", path);
}

/* True when `path` contains `pattern` (a trailing `$` in `pattern`: ends with it). */
static int path_matches(const char *path, const char *pattern) {
  size_t pl = strlen(pattern);
  if (pl == 0 || pattern[pl - 1] != '$') return strstr(path, pattern) != NULL;
  size_t n = strlen(path);
  pl--;
  return n >= pl && strncmp(path + n - pl, pattern, pl) == 0;
}

static int active(void) {
  if (root == NULL) return 0;
  pthread_mutex_lock(&lock);
  refresh();
  int any = nrules > 0;
  pthread_mutex_unlock(&lock);
  return any || trace;
}

/*
 * Decides whether call `fn` (op class `op`) on `p1` (and `p2`, for renames) fails: returns the errno to
 * inject, or 0 to let it through.
 */
static int decide(int op, const char *fn, const char *p1, const char *p2, int *lose) {
  int under = (p1 != NULL && strstr(p1, root) != NULL) || (p2 != NULL && strstr(p2, root) != NULL);
  if (!under) return 0;
  char line[PATH_CAP * 2 + 128];
  if (trace) {
    snprintf(line, sizeof line, "faultshim: trace %s %s%s%s\n", fn, p1 ? p1 : "", p2 ? " -> " : "", p2 ? p2 : "");
    note_line(line, 0);
  }
  int err = 0;
  pthread_mutex_lock(&lock);
  refresh();
  for (int i = 0; i < nrules && err == 0; i++) {
    struct rule *r = &rules[i];
    if ((r->ops & op) == 0) continue;
    int match = (p1 != NULL && strstr(p1, root) != NULL && path_matches(p1, r->path)) ||
                (p2 != NULL && strstr(p2, root) != NULL && path_matches(p2, r->path));
    if (!match) continue;
    r->seen++;
    if (r->seen <= r->after) continue;
    if (r->count >= 0 && r->fired >= r->count) continue;
    r->fired++;
    err = r->err;
    if (lose != NULL) *lose = r->lose;
  }
  pthread_mutex_unlock(&lock);
  if (err != 0) {
    snprintf(line, sizeof line, "faultshim: %s %s %s%s%s\n", fn, errname(err), p1 ? p1 : "", p2 ? " -> " : "", p2 ? p2 : "");
    note_line(line, 1);
  }
  return err;
}

static int decide_fd(int op, const char *fn, int fd, int *lose) {
  if (fd < 0 || !active()) return 0;
  char path[PATH_CAP];
  fd_path(fd, path, sizeof path);
  return decide(op, fn, path, NULL, lose);
}

/*
 * Sizes of files at their last successful fsync through this process, by (device, inode), for `lose=1`.
 * A small table: the write path has a handful of files open at once.
 */
#define SYNCED_CAP 256
static struct {
  dev_t dev;
  ino_t ino;
  off_t size;
  unsigned long stamp;
} synced[SYNCED_CAP];
static unsigned long synced_clock;

static void remember_synced(int fd) {
  struct stat st;
  if (root == NULL || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  pthread_mutex_lock(&lock);
  int slot = -1, oldest = 0;
  for (int i = 0; i < SYNCED_CAP; i++) {
    if (synced[i].ino == st.st_ino && synced[i].dev == st.st_dev) slot = i;
    if (synced[i].stamp < synced[oldest].stamp) oldest = i;
  }
  if (slot < 0) slot = oldest; /* the least recently synced file (a file synced often is never evicted) */
  synced[slot].dev = st.st_dev;
  synced[slot].ino = st.st_ino;
  synced[slot].size = st.st_size;
  synced[slot].stamp = ++synced_clock;
  pthread_mutex_unlock(&lock);
}

/*
 * Truncates the regular file behind `fd` back to its size at its last successful fsync. A file never synced
 * through this process keeps its bytes (its history is unknown: better to lose too little than too much).
 */
static void lose_unsynced(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  off_t keep = st.st_size;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < SYNCED_CAP; i++)
    if (synced[i].ino == st.st_ino && synced[i].dev == st.st_dev) keep = synced[i].size;
  pthread_mutex_unlock(&lock);
  if (keep < st.st_size) syscall(SYS_ftruncate, fd, keep);
}

static int fsync_like(const char *fn, int fd, int (*real)(int)) {
  int lose = 0;
  int e = decide_fd(OP_FSYNC, fn, fd, &lose);
  if (e != 0) {
    if (lose) lose_unsynced(fd);
    errno = e;
    return -1;
  }
  int rc = real(fd);
  if (rc == 0) remember_synced(fd);
  return rc;
}

#define FAIL_IF(expr)    \
  do {                   \
    int e_ = (expr);     \
    if (e_ != 0) {       \
      errno = e_;        \
      return -1;         \
    }                    \
  } while (0)

ssize_t write(int fd, const void *buf, size_t n) {
  FAIL_IF(decide_fd(OP_WRITE, "write", fd, NULL));
  return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  FAIL_IF(decide_fd(OP_WRITE, "pwrite", fd, NULL));
  return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off) {
  FAIL_IF(decide_fd(OP_WRITE, "pwrite64", fd, NULL));
  return real_pwrite64(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  FAIL_IF(decide_fd(OP_WRITE, "writev", fd, NULL));
  return real_writev(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off) {
  FAIL_IF(decide_fd(OP_WRITE, "pwritev", fd, NULL));
  return real_pwritev(fd, iov, cnt, off);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off) {
  FAIL_IF(decide_fd(OP_WRITE, "pwritev64", fd, NULL));
  return real_pwritev64(fd, iov, cnt, off);
}

int fsync(int fd) { return fsync_like("fsync", fd, real_fsync); }

int fdatasync(int fd) { return fsync_like("fdatasync", fd, real_fdatasync); }

int rename(const char *from, const char *to) {
  if (active()) {
    char a[PATH_CAP], b[PATH_CAP];
    at_path(AT_FDCWD, from, a, sizeof a);
    at_path(AT_FDCWD, to, b, sizeof b);
    FAIL_IF(decide(OP_RENAME, "rename", a, b, NULL));
  }
  return real_rename(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to) {
  if (active()) {
    char a[PATH_CAP], b[PATH_CAP];
    at_path(fromfd, from, a, sizeof a);
    at_path(tofd, to, b, sizeof b);
    FAIL_IF(decide(OP_RENAME, "renameat", a, b, NULL));
  }
  return real_renameat(fromfd, from, tofd, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned int flags) {
  if (active()) {
    char a[PATH_CAP], b[PATH_CAP];
    at_path(fromfd, from, a, sizeof a);
    at_path(tofd, to, b, sizeof b);
    FAIL_IF(decide(OP_RENAME, "renameat2", a, b, NULL));
  }
  return real_renameat2(fromfd, from, tofd, to, flags);
}

/* A creating open fails before anything is created; other opens are never failed. */
static int decide_open(const char *fn, int dirfd, const char *path, int flags) {
  if ((flags & O_CREAT) == 0 || !active()) return 0;
  char p[PATH_CAP];
  at_path(dirfd, path, p, sizeof p);
  return decide(OP_OPEN, fn, p, NULL, NULL);
}

/* open(2) takes a mode only with O_CREAT or O_TMPFILE. */
#define MODE_ARG(flags, last)         \
  mode_t mode = 0;                    \
  if ((flags) & (O_CREAT | O_TMPFILE)) { \
    va_list ap;                       \
    va_start(ap, last);               \
    mode = va_arg(ap, mode_t);        \
    va_end(ap);                       \
  }

int open(const char *path, int flags, ...) {
  MODE_ARG(flags, flags);
  FAIL_IF(decide_open("open", AT_FDCWD, path, flags));
  return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
  MODE_ARG(flags, flags);
  FAIL_IF(decide_open("open64", AT_FDCWD, path, flags));
  return real_open64(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
  MODE_ARG(flags, flags);
  FAIL_IF(decide_open("openat", dirfd, path, flags));
  return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) {
  MODE_ARG(flags, flags);
  FAIL_IF(decide_open("openat64", dirfd, path, flags));
  return real_openat64(dirfd, path, flags, mode);
}

int creat(const char *path, mode_t mode) {
  FAIL_IF(decide_open("creat", AT_FDCWD, path, O_CREAT));
  return real_creat(path, mode);
}

int creat64(const char *path, mode_t mode) {
  FAIL_IF(decide_open("creat64", AT_FDCWD, path, O_CREAT));
  return real_creat64(path, mode);
}

/*
 * stdio, as LevelDB's PosixWritableFile uses it (fwrite_unlocked to append, fflush_unlocked before a sync,
 * fopen to create): the bytes reach write(2) inside glibc, where no interposition sees them.
 */
static size_t (*real_fwrite)(const void *, size_t, size_t, FILE *);
static size_t (*real_fwrite_unlocked)(const void *, size_t, size_t, FILE *);
static int (*real_fflush)(FILE *);
static int (*real_fflush_unlocked)(FILE *);
static FILE *(*real_fopen)(const char *, const char *);
static FILE *(*real_fopen64)(const char *, const char *);

__attribute__((constructor)) static void init_stdio(void) {
  RESOLVE(fwrite);
  RESOLVE(fwrite_unlocked);
  RESOLVE(fflush);
  RESOLVE(fflush_unlocked);
  RESOLVE(fopen);
  RESOLVE(fopen64);
}

static int decide_stream(const char *fn, FILE *f) {
  if (f == NULL) return 0;
  int fd = fileno(f);
  return fd < 0 ? 0 : decide_fd(OP_WRITE, fn, fd, NULL);
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f) {
  int e = decide_stream("fwrite", f);
  if (e != 0) {
    errno = e;
    return 0;
  }
  return real_fwrite(p, size, n, f);
}

size_t fwrite_unlocked(const void *p, size_t size, size_t n, FILE *f) {
  int e = decide_stream("fwrite_unlocked", f);
  if (e != 0) {
    errno = e;
    return 0;
  }
  return real_fwrite_unlocked(p, size, n, f);
}

/* A failed flush loses the buffered bytes, as a failed write(2) would have. */
int fflush(FILE *f) {
  int e = decide_stream("fflush", f);
  if (e != 0) {
    __fpurge(f);
    errno = e;
    return EOF;
  }
  return real_fflush(f);
}

int fflush_unlocked(FILE *f) {
  int e = decide_stream("fflush_unlocked", f);
  if (e != 0) {
    __fpurge(f);
    errno = e;
    return EOF;
  }
  return real_fflush_unlocked(f);
}

static int creating_mode(const char *mode) { return mode != NULL && (strchr(mode, 'w') != NULL || strchr(mode, 'a') != NULL); }

FILE *fopen(const char *path, const char *mode) {
  if (creating_mode(mode)) {
    int e = decide_open("fopen", AT_FDCWD, path, O_CREAT);
    if (e != 0) {
      errno = e;
      return NULL;
    }
  }
  return real_fopen(path, mode);
}

FILE *fopen64(const char *path, const char *mode) {
  if (creating_mode(mode)) {
    int e = decide_open("fopen64", AT_FDCWD, path, O_CREAT);
    if (e != 0) {
      errno = e;
      return NULL;
    }
  }
  return real_fopen64(path, mode);
}
