// stowage-keeper: what a running container needs kept between commands, without a
// daemon: its healthcheck and the rotation of its log.
//
// Docker runs a monitor goroutine per container inside dockerd (daemon/health.go)
// and rotates json-file logs as it writes them; stowage has no daemon, so a start
// of a container with a healthcheck or with --log-opt max-file > 1 starts this
// small process (about 1.7 MB PSS, asleep between probes and rotations). It
// detaches (fork + setsid) and lives as long as the container's process (a pidfd)
// and as long as its record still names this run.
//
// Healthcheck: wait the interval -> `runc exec` the probe (the process file the
// engine wrote: the container's own user, env and directory) -> its exit code and
// the first 4096 bytes of its output -> State.Health in the store (status, failing
// streak, the last 5 results) and Docker's events (exec_create, exec_start,
// exec_die, health_status: X). The rules are Docker 20.10's: the first probe one
// interval after the start, the next one interval after the previous ended; a
// probe past its timeout is killed and counts as a failure (exit code -1, "Health
// check exceeded timeout (30s)"); a probe runc cannot start is a failure with
// runc's error; failures inside the start period do not count until a probe
// succeeded; `retries` failures in a row make the container unhealthy, one success
// healthy. No probes while the container is paused.
//
// Log rotation (max-size with max-file > 1): when conmon has written the log past
// max-size (inotify tells of each write; checks are at most 50 a second), the
// files move up as json-file moves them (LOG -> LOG.1 -> LOG.2 ..., the oldest
// beyond max-file goes) and conmon is asked through its ctl FIFO to start a
// fresh LOG. What it writes in between lands at the end of LOG.1, in order.
//
// Which process to probe, the timings and the texts are decided by the engine
// (src/engine/keeper.ts); this program keeps time, runs probes, renames files and
// records results. The store is opened for each write and closed again, so a store
// that was removed (system reset) ends the keeper too.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_OUTPUT 4096 /* Docker's maxOutputLen */
#define MAX_LOG 5       /* Docker's maxLogEntries */

struct options {
  const char *db, *id, *run, *runtime, *runtime_root, *process, *pid_file, *log_file;
  const char *rotate_log; /* the container's log, rotated past log_size */
  const char *log_ctl;    /* conmon's ctl FIFO: "2 0 0" makes it reopen the log */
  int64_t log_size;       /* max-size */
  int log_files;          /* max-file: the current log and log_files - 1 rotated ones */
  const char *exec_text, *timeout_text;
  pid_t pid;
  int64_t started_ns, interval_ns, timeout_ns, start_period_ns;
  int retries;
};

struct probe {
  int64_t start_ns, end_ns;
  int exit_code;      /* the health result's: -1 for a timeout or a probe that never started */
  int died;           /* the probe's process ran and exited (exec_die) */
  int die_code;       /* its exit status, for exec_die */
  char *output;       /* sanitized UTF-8 */
};

static struct options o;

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/** Go's RFC3339Nano in UTC, as Docker's JSON writes a time: trailing zeros of the fraction dropped. */
static void go_time(int64_t ns, char *out, size_t size) {
  time_t secs = (time_t)(ns / 1000000000);
  long frac = (long)(ns % 1000000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
  if (frac) {
    char digits[16];
    snprintf(digits, sizeof digits, "%09ld", frac);
    for (int i = 8; i > 0 && digits[i] == '0'; i--) digits[i] = 0;
    n += (size_t)snprintf(out + n, size - n, ".%s", digits);
  }
  snprintf(out + n, size - n, "Z");
}

static int pidfd_open_(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/** Whether the process behind a pidfd has exited (waiting up to timeout_ms). */
static int exited(int pidfd, int timeout_ms) {
  struct pollfd p = {.fd = pidfd, .events = POLLIN};
  int r;
  do r = poll(&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  return r > 0;
}

// ---- log rotation ----

static int inotify_fd = -1;
static char log_name[256];
static int64_t next_check; /* CLOCK_MONOTONIC: checks are spaced 20 ms apart */

/** Watches the log's directory: conmon's writes to the log (IN_MODIFY). */
static void watch_log(void) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", o.rotate_log);
  snprintf(log_name, sizeof log_name, "%s", basename(tmp));
  snprintf(tmp, sizeof tmp, "%s", o.rotate_log);
  inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd >= 0 && inotify_add_watch(inotify_fd, dirname(tmp), IN_MODIFY) < 0) {
    close(inotify_fd);
    inotify_fd = -1;
  }
}

/** LOG.(n-1) goes, LOG.i becomes LOG.(i+1), LOG becomes LOG.1; then conmon opens a fresh LOG. */
static void rotate(void) {
  char from[4300], to[4300];
  snprintf(to, sizeof to, "%s.%d", o.rotate_log, o.log_files - 1);
  unlink(to);
  for (int i = o.log_files - 2; i >= 1; i--) {
    snprintf(from, sizeof from, "%s.%d", o.rotate_log, i);
    snprintf(to, sizeof to, "%s.%d", o.rotate_log, i + 1);
    rename(from, to);
  }
  snprintf(to, sizeof to, "%s.1", o.rotate_log);
  if (rename(o.rotate_log, to) != 0) return;
  int fd = open(o.log_ctl, O_WRONLY | O_NONBLOCK | O_CLOEXEC); /* never blocks: conmon gone is ENXIO */
  if (fd >= 0) {
    if (write(fd, "2 0 0\n", 6) < 0) { /* conmon went away meanwhile: nothing more will be written */
    }
    close(fd);
  }
}

/** Reads pending inotify events; rotates when the log has grown past max-size. */
static void log_events(void) {
  char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  ssize_t n;
  int written = 0;
  while ((n = read(inotify_fd, buf, sizeof buf)) > 0) {
    for (char *p = buf; p < buf + n;) {
      struct inotify_event *ev = (struct inotify_event *)p;
      if (ev->len && strcmp(ev->name, log_name) == 0) written = 1;
      p += sizeof *ev + ev->len;
    }
  }
  if (!written) return;
  struct stat st;
  if (stat(o.rotate_log, &st) == 0 && st.st_size >= o.log_size) rotate();
  next_check = now_ns(CLOCK_MONOTONIC) + 20000000;
}

/** The inotify fd to poll now (-1 while the next check waits: a busy log wakes the keeper at most 50 times a second). */
static int log_fd(void) { return inotify_fd >= 0 && now_ns(CLOCK_MONOTONIC) >= next_check ? inotify_fd : -1; }

/** Waits up to timeout_ms (-1: no limit), rotating the log as needed; 1 when the container's process has exited. */
static int wait_events(int pidfd, int timeout_ms) {
  int64_t deadline = timeout_ms < 0 ? -1 : now_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * 1000000;
  for (;;) {
    int wait = -1;
    if (deadline >= 0) {
      int64_t left = deadline - now_ns(CLOCK_MONOTONIC);
      wait = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
    }
    int lfd = log_fd();
    if (inotify_fd >= 0 && lfd < 0) { /* a check is due in a moment */
      int until = (int)((next_check - now_ns(CLOCK_MONOTONIC) + 999999) / 1000000);
      if (wait < 0 || until < wait) wait = until < 0 ? 0 : until;
    }
    struct pollfd pf[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = lfd, .events = POLLIN}};
    int r = poll(pf, 2, wait);
    if (r < 0 && errno == EINTR) continue;
    if (r > 0 && (pf[0].revents & POLLIN)) return 1;
    if (r > 0 && (pf[1].revents & POLLIN)) {
      log_events();
      continue;
    }
    if (deadline < 0 || now_ns(CLOCK_MONOTONIC) < deadline) continue; /* woke for a log check, not the deadline */
    return 0;
  }
}

// ---- the probe ----

/** Invalid UTF-8 bytes become U+FFFD, as Go's JSON encoder makes them. */
static char *sanitize_utf8(const unsigned char *s, size_t n, int truncated) {
  char *out = malloc(n * 3 + 4);
  if (!out) return NULL;
  size_t j = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    int ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; k++) ok = (s[i + k] & 0xC0) == 0x80;
    if (ok && len == 2) ok = c >= 0xC2;
    if (ok && len == 3) {
      unsigned cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
      ok = cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF);
    }
    if (ok && len == 4) {
      unsigned cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
      ok = cp >= 0x10000 && cp <= 0x10FFFF;
    }
    if (!ok) {
      memcpy(out + j, "\xEF\xBF\xBD", 3);
      j += 3;
      i += 1;
      continue;
    }
    memcpy(out + j, s + i, len);
    j += len;
    i += len;
  }
  if (truncated) memcpy(out + j, "...", 3), j += 3; /* Docker's limitedBuffer marks lost output */
  out[j] = 0;
  return out;
}

static pid_t read_pid_file(const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) return 0;
  long pid = 0;
  if (fscanf(f, "%ld", &pid) != 1) pid = 0;
  fclose(f);
  return (pid_t)pid;
}

static char *read_file(const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap + 1);
  size_t r;
  while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap && n < 65536) buf = realloc(buf, (cap *= 2) + 1);
    else if (n == cap) break;
  }
  fclose(f);
  if (buf) buf[n] = 0;
  return buf;
}

/** runc's error (the msg of its last error line, --log-format json), as Docker words an exec that did not start. */
static char *runc_failure(const char *captured) {
  char *log = read_file(o.log_file);
  char *msg = NULL;
  sqlite3 *db = NULL; /* only for its JSON functions */
  sqlite3_stmt *st = NULL;
  if (log && sqlite3_open(":memory:", &db) == SQLITE_OK && sqlite3_prepare_v2(db, "SELECT json_extract(?1, '$.msg') WHERE json_valid(?1) AND json_extract(?1, '$.level') IN ('error', 'fatal')", -1, &st, NULL) == SQLITE_OK) {
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
      sqlite3_reset(st);
      sqlite3_bind_text(st, 1, line, -1, SQLITE_STATIC);
      if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        free(msg);
        msg = strdup((const char *)sqlite3_column_text(st, 0));
      }
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  free(log);
  const char *text = msg ? msg : (captured && *captured ? captured : "runc exec failed");
  size_t size = strlen(text) + 64;
  char *out = malloc(size);
  if (out) snprintf(out, size, "OCI runtime exec failed: %s: unknown", text);
  free(msg);
  return out;
}

/** Runs one probe: `runc exec` of the process file, its output captured, killed past the timeout. */
static void run_probe(struct probe *p) {
  unsigned char buf[MAX_OUTPUT];
  size_t len = 0;
  int truncated = 0, timed_out = 0;
  p->died = 0;
  p->start_ns = now_ns(CLOCK_REALTIME);
  unlink(o.pid_file);
  int logfd = open(o.log_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (logfd >= 0) close(logfd);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) goto failed;
  pid_t child = fork();
  if (child < 0) {
    close(fds[0]);
    close(fds[1]);
    goto failed;
  }
  if (child == 0) {
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    execl(o.runtime, o.runtime, "--root", o.runtime_root, "--log-format", "json", "--log", o.log_file, "exec", "--process", o.process,
          "--pid-file", o.pid_file, o.id, (char *)NULL);
    dprintf(2, "exec %s: %s", o.runtime, strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  int childfd = pidfd_open_(child);
  int64_t deadline = now_ns(CLOCK_MONOTONIC) + o.timeout_ns;
  int64_t hard_deadline = 0; /* past the timeout: how long runc may take to go */
  int killed = 0, open_out = 1;
  for (;;) {
    int64_t left = (hard_deadline ? hard_deadline : deadline) - now_ns(CLOCK_MONOTONIC);
    if (timed_out && !killed) {
      /* the probe is killed as soon as runc has named it (a slow start names it late) */
      pid_t probe = read_pid_file(o.pid_file);
      if (probe > 0) killed = kill(probe, SIGKILL) == 0 || errno == ESRCH;
    }
    if (left <= 0) {
      if (!timed_out) {
        timed_out = 1;
        hard_deadline = now_ns(CLOCK_MONOTONIC) + 10000000000LL;
        continue;
      }
      kill(child, SIGKILL); /* runc itself is stuck: give up on it */
      break;
    }
    if (timed_out && !killed && left > 20000000) left = 20000000;
    struct pollfd pf[3] = {{.fd = open_out ? fds[0] : -1, .events = POLLIN}, {.fd = childfd, .events = POLLIN}, {.fd = log_fd(), .events = POLLIN}};
    if (inotify_fd >= 0 && pf[2].fd < 0 && left > 20000000) left = 20000000;
    int r = poll(pf, 3, (int)((left + 999999) / 1000000));
    if (r < 0 && errno != EINTR) break;
    if (r > 0 && (pf[2].revents & POLLIN)) log_events(); /* a long probe does not hold up a rotation */
    if (open_out && (pf[0].revents & (POLLIN | POLLHUP))) {
      unsigned char chunk[8192];
      ssize_t n = read(fds[0], chunk, sizeof chunk);
      if (n <= 0) open_out = 0;
      else {
        size_t keep = (size_t)n < MAX_OUTPUT - len ? (size_t)n : MAX_OUTPUT - len;
        memcpy(buf + len, chunk, keep);
        len += keep;
        if (keep < (size_t)n) truncated = 1;
      }
    }
    if (childfd >= 0 && (pf[1].revents & POLLIN)) {
      /* runc is done: take what is already in the pipe (a background child of the probe may hold it open) */
      int fl = fcntl(fds[0], F_GETFL);
      fcntl(fds[0], F_SETFL, fl | O_NONBLOCK);
      ssize_t n;
      unsigned char chunk[8192];
      while (open_out && (n = read(fds[0], chunk, sizeof chunk)) > 0) {
        size_t keep = (size_t)n < MAX_OUTPUT - len ? (size_t)n : MAX_OUTPUT - len;
        memcpy(buf + len, chunk, keep);
        len += keep;
        if (keep < (size_t)n) truncated = 1;
      }
      break;
    }
    if (!open_out && childfd < 0) break; /* no pidfd: the output's end is runc's end */
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (childfd >= 0) close(childfd);
  p->end_ns = now_ns(CLOCK_REALTIME);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  struct stat sb;
  int started = stat(o.pid_file, &sb) == 0;
  unlink(o.pid_file);
  if (timed_out) {
    size_t size = strlen(o.timeout_text) + 64;
    p->output = malloc(size);
    if (p->output) snprintf(p->output, size, "Health check exceeded timeout (%s)", o.timeout_text);
    p->exit_code = -1;
    p->died = started;
    p->die_code = code == 0 ? 137 : code;
    return;
  }
  if (!started && code != 0) {
    char *captured = sanitize_utf8(buf, len, 0);
    p->output = runc_failure(captured);
    free(captured);
    p->exit_code = -1;
    return;
  }
  p->output = sanitize_utf8(buf, len, truncated);
  p->exit_code = code;
  p->died = 1;
  p->die_code = code;
  return;
failed:
  p->end_ns = now_ns(CLOCK_REALTIME);
  p->exit_code = -1;
  p->output = strdup(strerror(errno));
}

// ---- the store ----

static sqlite3 *open_store(void) {
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(o.db, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, 60000);
  return db;
}

static int exec_sql(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK; }

/** One container event, with Docker's attributes: the labels, `extra` (a JSON object), image and name. */
static void emit(sqlite3 *db, int64_t time_ns, const char *action, const char *extra) {
  sqlite3_stmt *st;
  const char *sql =
      "INSERT INTO events (time_nano, type, action, actor_id, attributes) "
      "SELECT ?1, 'container', ?2, id, json_patch(json_patch(labels, ?3), json_object('image', image, 'name', name)) "
      "FROM container_health WHERE id = ?4";
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return;
  sqlite3_bind_int64(st, 1, time_ns);
  sqlite3_bind_text(st, 2, action, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, extra, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, o.id, -1, SQLITE_STATIC);
  int ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1;
  sqlite3_finalize(st);
  /* as metadata/events.ts: every 256th event trims the table to its newest 4096 */
  sqlite3_int64 seq = sqlite3_last_insert_rowid(db);
  if (ok && seq % 256 == 0) {
    char sql2[96];
    snprintf(sql2, sizeof sql2, "DELETE FROM events WHERE seq <= %lld", (long long)(seq - 4096));
    exec_sql(db, sql2);
  }
}

enum state { GONE, RUNNING, PAUSED };

/** The container as its record says: gone (removed, stopped, another run), running or paused; its health too. */
static enum state read_state(sqlite3 *db, char *health, size_t hsize, int *streak) {
  sqlite3_stmt *st;
  const char *sql = "SELECT run_id, status, health_status, failing_streak FROM container_health WHERE id = ?1";
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return GONE;
  sqlite3_bind_text(st, 1, o.id, -1, SQLITE_STATIC);
  enum state s = GONE;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const char *run = (const char *)sqlite3_column_text(st, 0);
    const char *status = (const char *)sqlite3_column_text(st, 1);
    const char *h = (const char *)sqlite3_column_text(st, 2);
    if (run && status && strcmp(run, o.run) == 0) s = strcmp(status, "running") == 0 ? RUNNING : strcmp(status, "paused") == 0 ? PAUSED : GONE;
    if (health) snprintf(health, hsize, "%s", h ? h : "starting");
    if (streak) *streak = sqlite3_column_int(st, 3);
  }
  sqlite3_finalize(st);
  return s;
}

/** Docker's handleProbeResult: the result logged (the last 5 kept), the streak and status updated, a change announced. */
static enum state record(struct probe *p, const char *exec_id) {
  sqlite3 *db = open_store();
  if (!db) return GONE;
  enum state s = GONE;
  char old[32];
  int streak = 0;
  if (!exec_sql(db, "BEGIN IMMEDIATE")) goto out;
  s = read_state(db, old, sizeof old, &streak);
  if (s != RUNNING) { /* stopped or paused meanwhile: Docker drops a probe its monitor stopped waiting for */
    exec_sql(db, "ROLLBACK");
    goto out;
  }
  if (p->died) {
    char extra[160];
    snprintf(extra, sizeof extra, "{\"execID\":\"%s\",\"exitCode\":\"%d\"}", exec_id, p->die_code);
    emit(db, p->end_ns, "exec_die", extra);
  }
  const char *status = old;
  if (p->exit_code == 0) {
    streak = 0;
    status = "healthy";
  } else if (!(strcmp(old, "starting") == 0 && p->start_ns - o.started_ns < o.start_period_ns)) {
    /* a failure counts unless it comes in the start period before any success */
    if (++streak >= o.retries) status = "unhealthy";
  }
  char start[48], end[48];
  go_time(p->start_ns, start, sizeof start);
  go_time(p->end_ns, end, sizeof end);
  sqlite3_stmt *st;
  const char *sql = "INSERT INTO health_probes (id, status, failing_streak, started, ended, exit_code, output, keep) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, o.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, streak);
    sqlite3_bind_text(st, 4, start, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, end, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, p->exit_code);
    sqlite3_bind_text(st, 7, p->output ? p->output : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, MAX_LOG); /* keeps the last MAX_LOG - 1, then appends */
    sqlite3_step(st);
    sqlite3_finalize(st);
  }
  if (strcmp(status, old) != 0) {
    char action[48];
    snprintf(action, sizeof action, "health_status: %s", status);
    emit(db, now_ns(CLOCK_REALTIME), action, "{}");
  }
  if (!exec_sql(db, "COMMIT")) exec_sql(db, "ROLLBACK");
out:
  sqlite3_close(db);
  return s;
}

/** exec_create and exec_start, as Docker announces each probe; GONE when the container is no longer this run. */
static enum state announce(const char *exec_id, int64_t at) {
  sqlite3 *db = open_store();
  if (!db) return GONE;
  enum state s = GONE;
  if (exec_sql(db, "BEGIN IMMEDIATE")) {
    s = read_state(db, NULL, 0, NULL);
    if (s == RUNNING) {
      char extra[96], action[4200];
      snprintf(extra, sizeof extra, "{\"execID\":\"%s\"}", exec_id);
      snprintf(action, sizeof action, "exec_create: %s", o.exec_text);
      emit(db, at, action, extra);
      snprintf(action, sizeof action, "exec_start: %s", o.exec_text);
      emit(db, at, action, extra);
    }
    if (!exec_sql(db, "COMMIT")) exec_sql(db, "ROLLBACK");
  }
  sqlite3_close(db);
  return s;
}

static void random_id(char *out) {
  unsigned char b[32];
  if (getrandom(b, sizeof b, 0) != sizeof b) {
    for (size_t i = 0; i < sizeof b; i++) b[i] = (unsigned char)(rand() & 0xff);
  }
  for (size_t i = 0; i < sizeof b; i++) sprintf(out + 2 * i, "%02x", b[i]);
}

// ---- main ----

static int64_t num(const char *s) { return strtoll(s, NULL, 10); }

static int parse(int argc, char **argv) {
  static struct option opts[] = {
      {"db", 1, 0, 'd'},           {"id", 1, 0, 'i'},           {"run", 1, 0, 'r'},         {"pid", 1, 0, 'p'},
      {"runtime", 1, 0, 'R'},      {"runtime-root", 1, 0, 'T'}, {"process", 1, 0, 'P'},     {"pid-file", 1, 0, 'f'},
      {"runc-log", 1, 0, 'l'},     {"started", 1, 0, 's'},      {"interval", 1, 0, 'v'},    {"timeout", 1, 0, 't'},
      {"start-period", 1, 0, 'S'}, {"retries", 1, 0, 'n'},      {"exec-text", 1, 0, 'x'},   {"timeout-text", 1, 0, 'X'},
      {"rotate-log", 1, 0, 'L'},   {"log-files", 1, 0, 'N'},    {"log-size", 1, 0, 'M'},    {"log-ctl", 1, 0, 'C'},
      {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
      case 'd': o.db = optarg; break;
      case 'i': o.id = optarg; break;
      case 'r': o.run = optarg; break;
      case 'p': o.pid = (pid_t)num(optarg); break;
      case 'R': o.runtime = optarg; break;
      case 'T': o.runtime_root = optarg; break;
      case 'P': o.process = optarg; break;
      case 'f': o.pid_file = optarg; break;
      case 'l': o.log_file = optarg; break;
      case 's': o.started_ns = num(optarg); break;
      case 'v': o.interval_ns = num(optarg); break;
      case 't': o.timeout_ns = num(optarg); break;
      case 'S': o.start_period_ns = num(optarg); break;
      case 'n': o.retries = (int)num(optarg); break;
      case 'x': o.exec_text = optarg; break;
      case 'X': o.timeout_text = optarg; break;
      case 'L': o.rotate_log = optarg; break;
      case 'N': o.log_files = (int)num(optarg); break;
      case 'M': o.log_size = num(optarg); break;
      case 'C': o.log_ctl = optarg; break;
      default: return -1;
    }
  }
  if (!o.db || !o.id || !o.run || o.pid <= 0) return -1;
  if (o.process && !(o.runtime && o.runtime_root && o.pid_file && o.log_file && o.exec_text && o.timeout_text && o.interval_ns > 0 &&
                     o.timeout_ns > 0 && o.retries > 0))
    return -1;
  if (o.rotate_log && (o.log_files < 2 || o.log_size <= 0 || !o.log_ctl)) return -1;
  return o.process || o.rotate_log ? 0 : -1;
}

int main(int argc, char **argv) {
  if (parse(argc, argv) != 0) {
    fprintf(stderr, "usage: stowage-keeper --db FILE --id ID --run RUN --pid PID\n"
                    "  [--process FILE --runtime RUNC --runtime-root DIR --pid-file FILE --runc-log FILE --started NS --interval NS\n"
                    "   --timeout NS --start-period NS --retries N --exec-text TEXT --timeout-text TEXT]\n"
                    "  [--rotate-log FILE --log-size BYTES --log-files N --log-ctl FIFO]\n");
    return 2;
  }
  int pidfd = pidfd_open_(o.pid);
  if (pidfd < 0) return errno == ESRCH ? 0 : 1; /* already gone: nothing to watch */

  /* detach: the caller goes on at once; this process outlives it */
  pid_t child = fork();
  if (child < 0) return 1;
  if (child > 0) return 0;
  setsid();
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
  if (chdir("/") != 0) return 1;
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  if (o.rotate_log) watch_log();

  int64_t next_probe = o.process ? now_ns(CLOCK_MONOTONIC) + o.interval_ns : INT64_MAX;
  for (;;) {
    int wait = -1;
    if (next_probe != INT64_MAX) {
      int64_t left = (next_probe - now_ns(CLOCK_MONOTONIC) + 999999) / 1000000;
      wait = left < 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
    }
    if (wait_events(pidfd, wait)) return 0;
    if (now_ns(CLOCK_MONOTONIC) < next_probe) continue;
    char exec_id[65];
    random_id(exec_id);
    int64_t at = now_ns(CLOCK_REALTIME);
    enum state s = announce(exec_id, at);
    if (s == GONE) return 0;
    if (s == RUNNING) { /* Docker runs no probes while paused */
      struct probe p = {0};
      run_probe(&p);
      p.start_ns = at;
      /* the container ended meanwhile: Docker drops a probe cancelled by the stop */
      if (exited(pidfd, 0)) return 0;
      s = record(&p, exec_id);
      free(p.output);
      if (s == GONE) return 0;
    }
    next_probe = now_ns(CLOCK_MONOTONIC) + o.interval_ns;
  }
}
