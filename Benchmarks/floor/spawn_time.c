/*
 * spawn_time: runs a command N times, one after another, and reports the median (and spread)
 * of its wall-clock time, CPU time and peak resident set size. Each run is posix_spawn + wait4,
 * timed with CLOCK_MONOTONIC around both, so the figures include process start-up and exit as a
 * user sees them, and nothing else (no shell, no pipes). CPU time and peak RSS come from wait4's
 * rusage: CPU is user + system of all the child's threads; RSS is what `/usr/bin/time -f %M`
 * reports (kilobytes).
 *
 *   spawn_time [-n RUNS] [-w WARMUPS] [-o FILE] [-e] [-k] -- COMMAND [ARGS...]
 *
 *   -n RUNS     timed runs (default 50)
 *   -w WARMUPS  untimed runs first (default 3)
 *   -o FILE     the command's stdout goes to FILE (default /dev/null)
 *   -e          keep the command's stderr (default /dev/null)
 *   -k          keep going when a run exits non-zero (default: stop with status 1)
 *
 * Prints one line of key=value pairs: runs, wall_median_ms, wall_min_ms, wall_p90_ms,
 * wall_max_ms, cpu_median_ms, user_median_ms, sys_median_ms, rss_median_kb, rss_max_kb, failures.
 *
 * Build: cc -O2 -o spawn_time spawn_time.c
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

static double timeval_ms(struct timeval value) {
    return (double)value.tv_sec * 1e3 + (double)value.tv_usec / 1e3;
}

static int ascending(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The value at fraction `q` of the sorted samples (nearest rank; the median averages the middle pair). */
static double quantile(double *values, int count, double q) {
    qsort(values, (size_t)count, sizeof *values, ascending);
    if (q == 0.5 && count % 2 == 0) return (values[count / 2 - 1] + values[count / 2]) / 2;
    int index = (int)(q * (count - 1) + 0.5);
    return values[index];
}

static void usage(void) {
    fprintf(stderr, "usage: spawn_time [-n RUNS] [-w WARMUPS] [-o FILE] [-e] [-k] -- COMMAND [ARGS...]\n");
    exit(2);
}

struct sample {
    double wall_ms, user_ms, sys_ms;
    long rss_kb;
    int status;
};

static struct sample run_once(char **command, const char *out_path, int keep_stderr) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (!keep_stderr) posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);

    struct sample sample = {0};
    pid_t pid;
    double started = now_ms();
    int error = posix_spawnp(&pid, command[0], &actions, NULL, command, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
        fprintf(stderr, "spawn_time: cannot run %s: %s\n", command[0], strerror(error));
        exit(2);
    }
    int status;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            perror("spawn_time: wait4");
            exit(2);
        }
    }
    sample.wall_ms = now_ms() - started;
    sample.user_ms = timeval_ms(usage.ru_utime);
    sample.sys_ms = timeval_ms(usage.ru_stime);
    sample.rss_kb = usage.ru_maxrss;
    sample.status = status;
    return sample;
}

int main(int argc, char **argv) {
    int runs = 50, warmups = 3, keep_stderr = 0, keep_going = 0;
    const char *out_path = "/dev/null";
    int option;
    while ((option = getopt(argc, argv, "n:w:o:ek")) != -1) {
        switch (option) {
        case 'n': runs = atoi(optarg); break;
        case 'w': warmups = atoi(optarg); break;
        case 'o': out_path = optarg; break;
        case 'e': keep_stderr = 1; break;
        case 'k': keep_going = 1; break;
        default: usage();
        }
    }
    if (optind >= argc || runs < 1 || warmups < 0) usage();
    char **command = argv + optind;

    double *wall = calloc((size_t)runs, sizeof *wall);
    double *cpu = calloc((size_t)runs, sizeof *cpu);
    double *user = calloc((size_t)runs, sizeof *user);
    double *sys = calloc((size_t)runs, sizeof *sys);
    double *rss = calloc((size_t)runs, sizeof *rss);
    if (!wall || !cpu || !user || !sys || !rss) {
        perror("spawn_time");
        return 2;
    }
    int failures = 0;
    for (int i = -warmups; i < runs; i++) {
        struct sample sample = run_once(command, out_path, keep_stderr);
        int failed = !WIFEXITED(sample.status) || WEXITSTATUS(sample.status) != 0;
        if (failed) {
            if (WIFEXITED(sample.status))
                fprintf(stderr, "spawn_time: %s exited with status %d\n", command[0], WEXITSTATUS(sample.status));
            else
                fprintf(stderr, "spawn_time: %s was killed by signal %d\n", command[0], WTERMSIG(sample.status));
            if (!keep_going) return 1;
        }
        if (i < 0) continue;
        failures += failed;
        wall[i] = sample.wall_ms;
        user[i] = sample.user_ms;
        sys[i] = sample.sys_ms;
        cpu[i] = sample.user_ms + sample.sys_ms;
        rss[i] = (double)sample.rss_kb;
    }
    double wall_median = quantile(wall, runs, 0.5);
    double wall_min = wall[0], wall_max = wall[runs - 1];
    double wall_p90 = quantile(wall, runs, 0.9);
    double rss_median = quantile(rss, runs, 0.5);
    printf("runs=%d wall_median_ms=%.3f wall_min_ms=%.3f wall_p90_ms=%.3f wall_max_ms=%.3f cpu_median_ms=%.3f "
           "user_median_ms=%.3f sys_median_ms=%.3f rss_median_kb=%.0f rss_max_kb=%.0f failures=%d\n",
           runs, wall_median, wall_min, wall_p90, wall_max, quantile(cpu, runs, 0.5), quantile(user, runs, 0.5),
           quantile(sys, runs, 0.5), rss_median, rss[runs - 1], failures);
    free(wall);
    free(cpu);
    free(user);
    free(sys);
    free(rss);
    return failures == 0 ? 0 : 1;
}
