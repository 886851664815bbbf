/*
 * The capture baseline: the least a reader of a pty can do. Opens a pty, runs `/bin/sh -c CMD`
 * on its slave (its own session, the pty its controlling terminal, as node-pty and Vigil do),
 * reads the master with 64 KiB read()s until the slave side is gone, counts the bytes and
 * waits for the child. Prints one JSON line: bytes, wall ms (fork -> last byte and exit),
 * this process's own CPU ms (user + system; the child's is the agent's, not counted).
 * Built by the bench (bench/lib/pty-c.mjs) with `cc -O2 ... -lutil`, the toolchain node-pty
 * builds with. Usage: pty-read 'CMD'
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: pty-read 'CMD'\n");
    return 2;
  }
  struct winsize ws = {.ws_row = 48, .ws_col = 160};
  int master;
  double t0 = now_ms();
  pid_t pid = forkpty(&master, NULL, NULL, &ws);
  if (pid < 0) {
    perror("forkpty");
    return 1;
  }
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", argv[1], (char *)NULL);
    _exit(127);
  }
  static char buf[65536];
  long long bytes = 0;
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n > 0) {
      bytes += n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break; /* EIO: every slave descriptor is closed and the buffer is drained */
  }
  int status = 0;
  waitpid(pid, &status, 0);
  double ms = now_ms() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
  printf("{\"bytes\":%lld,\"ms\":%.3f,\"cpuMs\":%.3f,\"exit\":%d}\n", bytes, ms, cpu, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  close(master);
  return 0;
}
