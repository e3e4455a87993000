/*
 * parse_floor: the least work a dry run over saved snapshots can do. It lists the snapshot
 * files (the same way `approvalctl dry-run DIR` does: recursively, each folder's entries in name
 * order, *.json only), reads each one and parses it with jansson's json_loadb, then json_decref.
 * No evaluation, no output per file. Benchmarks/run.sh times this process beside
 * `approvalctl dry-run` on the same files; the ratio is the CLI's overhead over parsing.
 *
 *   parse_floor DIR...          walk folders (and take plain files as they are)
 *   parse_floor -l LIST         read the paths to parse from LIST, one per line (- for stdin)
 *
 * Prints one line: files=N bytes=B errors=E walk_seconds=W seconds=S (S includes W).
 * Exit status: 0 when every file parsed, 1 when some did not, 2 on usage or I/O errors.
 *
 * Build: cc -O2 -o parse_floor parse_floor.c $(pkg-config --cflags --libs jansson)
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct path_list {
    char **items;
    size_t count;
    size_t capacity;
};

static void die(const char *what, const char *path) {
    fprintf(stderr, "parse_floor: %s %s: %s\n", what, path, strerror(errno));
    exit(2);
}

static void push(struct path_list *list, char *path) {
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 1024;
        list->items = realloc(list->items, list->capacity * sizeof *list->items);
        if (!list->items) die("out of memory for", path);
    }
    list->items[list->count++] = path;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_json(const char *name) {
    size_t length = strlen(name);
    return length > 5 && strcmp(name + length - 5, ".json") == 0;
}

/* Adds the *.json files under `folder`, each folder's entries in name order. */
static void walk(const char *folder, struct path_list *out) {
    DIR *dir = opendir(folder);
    if (!dir) die("cannot open folder", folder);
    struct path_list names = {0};
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        char *name = strdup(entry->d_name);
        if (!name) die("out of memory in", folder);
        push(&names, name);
    }
    closedir(dir);
    qsort(names.items, names.count, sizeof *names.items, by_name);
    for (size_t i = 0; i < names.count; i++) {
        size_t length = strlen(folder) + 1 + strlen(names.items[i]) + 1;
        char *path = malloc(length);
        if (!path) die("out of memory in", folder);
        snprintf(path, length, "%s/%s", folder, names.items[i]);
        struct stat info;
        if (stat(path, &info) != 0) die("cannot stat", path);
        if (S_ISDIR(info.st_mode)) {
            walk(path, out);
            free(path);
        } else if (S_ISREG(info.st_mode) && is_json(names.items[i])) {
            push(out, path);
        } else {
            free(path);
        }
        free(names.items[i]);
    }
    free(names.items);
}

static void read_list(const char *list_path, struct path_list *out) {
    FILE *list = strcmp(list_path, "-") == 0 ? stdin : fopen(list_path, "r");
    if (!list) die("cannot open list", list_path);
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length;
    while ((length = getline(&line, &capacity, list)) > 0) {
        while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) line[--length] = '\0';
        if (length == 0) continue;
        char *path = strdup(line);
        if (!path) die("out of memory reading", list_path);
        push(out, path);
    }
    free(line);
    if (list != stdin) fclose(list);
}

static double now_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: parse_floor DIR... | parse_floor -l LIST\n");
        return 2;
    }
    double started = now_seconds();
    struct path_list paths = {0};
    if (strcmp(argv[1], "-l") == 0) {
        if (argc != 3) {
            fprintf(stderr, "usage: parse_floor -l LIST\n");
            return 2;
        }
        read_list(argv[2], &paths);
    } else {
        for (int i = 1; i < argc; i++) {
            struct stat info;
            if (stat(argv[i], &info) != 0) die("cannot stat", argv[i]);
            if (S_ISDIR(info.st_mode)) {
                walk(argv[i], &paths);
            } else {
                char *path = strdup(argv[i]);
                if (!path) die("out of memory for", argv[i]);
                push(&paths, path);
            }
        }
    }
    double walked = now_seconds();

    size_t buffer_size = 1 << 16;
    char *buffer = malloc(buffer_size);
    if (!buffer) die("out of memory for", "buffer");
    unsigned long long total_bytes = 0;
    size_t errors = 0;
    for (size_t i = 0; i < paths.count; i++) {
        int fd = open(paths.items[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) die("cannot open", paths.items[i]);
        struct stat info;
        if (fstat(fd, &info) != 0) die("cannot stat", paths.items[i]);
        size_t expected = (size_t)info.st_size;
        if (expected + 1 > buffer_size) {
            while (expected + 1 > buffer_size) buffer_size *= 2;
            free(buffer);
            buffer = malloc(buffer_size);
            if (!buffer) die("out of memory for", paths.items[i]);
        }
        size_t length = 0;
        for (;;) {
            ssize_t got = read(fd, buffer + length, buffer_size - length);
            if (got < 0) {
                if (errno == EINTR) continue;
                die("cannot read", paths.items[i]);
            }
            if (got == 0) break;
            length += (size_t)got;
            if (length == buffer_size) break; /* grew since fstat: parse what fits */
        }
        close(fd);
        total_bytes += length;

        json_error_t error;
        json_t *root = json_loadb(buffer, length, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
        if (!root) {
            errors++;
            if (errors <= 3) fprintf(stderr, "parse_floor: %s:%d:%d: %s\n", paths.items[i], error.line, error.column, error.text);
            continue;
        }
        json_decref(root); /* json_loadb returns a new reference; this is its only owner */
    }
    double finished = now_seconds();
    printf("files=%zu bytes=%llu errors=%zu walk_seconds=%.4f seconds=%.4f\n", paths.count, total_bytes, errors,
           walked - started, finished - started);

    for (size_t i = 0; i < paths.count; i++) free(paths.items[i]);
    free(paths.items);
    free(buffer);
    return errors == 0 ? 0 : 1;
}
