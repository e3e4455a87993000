// Inline wrappers for jansson's function-like macros, which Swift cannot import, and the
// per-thread parse arena below. Everything carries the `cjansson_` prefix.
//
// One importer: only the ApprovalJSON module imports this header (STYLE.md §7). The arena's state
// lives in function-local statics of these inline functions; a second importing module would get
// copies of its own and the arena would no longer know which allocator jansson uses.
#ifndef CJANSSON_SHIM_H
#define CJANSSON_SHIM_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline json_type cjansson_typeof(const json_t *json) { return json_typeof(json); }
static inline int cjansson_is_object(const json_t *json) { return json_is_object(json); }
static inline int cjansson_is_array(const json_t *json) { return json_is_array(json); }
static inline int cjansson_is_string(const json_t *json) { return json_is_string(json); }
static inline int cjansson_is_integer(const json_t *json) { return json_is_integer(json); }
static inline int cjansson_is_real(const json_t *json) { return json_is_real(json); }

/// The error code jansson stores in the last byte of `json_error_t.text`.
static inline int cjansson_error_code(const json_error_t *error) { return (int)json_error_code(error); }

/// Decoding flags as `size_t`, the type `json_loadb` takes (the macros import as Int32).
static const size_t CJANSSON_REJECT_DUPLICATES = JSON_REJECT_DUPLICATES;
static const size_t CJANSSON_DECODE_ANY = JSON_DECODE_ANY;
static const size_t CJANSSON_ALLOW_NUL = JSON_ALLOW_NUL;

/// Whether `text` holds more than `limit` `[` and `{` bytes, those inside strings included: a
/// bound on how deep it can nest arrays and objects, found with memchr (fast on long texts).
static inline int cjansson_more_openings_than(const char *text, size_t length, size_t limit) {
    static const char openings[2] = {'[', '{'};
    size_t count = 0;
    for (int kind = 0; kind < 2; kind++) {
        const char *at = text;
        const char *end = text + length;
        while (at < end && (at = (const char *)memchr(at, openings[kind], (size_t)(end - at))) != NULL) {
            if (++count > limit) return 1;
            at++;
        }
    }
    return 0;
}

// MARK: - Parse arena
//
// Parsing a document with jansson costs a malloc and a free for every value, key and string (and
// for every growth of the lexer's buffer): a large share of the parse, the more so in a
// long-running process whose heap is fragmented. Inside an arena scope (one per
// thread, not nested), jansson's allocations are carved from a per-thread block and its frees are
// no-ops; leaving the scope makes the whole block free again. The caller guarantees that every
// jansson value made inside the scope is released before leaving it (ApprovalJSON parses, copies
// out and decrefs in one call).
//
// Opt-in and respectful of the host: nothing is installed until a parser asks for the arena
// (JSONParser.Options.arena, which the batch evaluator turns on). jansson's allocation functions
// are process-wide (json_set_alloc_funcs), so installing ours keeps the ones that were there
// (json_get_alloc_funcs) and calls them for everything outside a scope and for what does not fit
// the block: an embedding application's allocator still allocates and frees all of its own
// values, and a pointer of either origin can be freed at any time. If the application sets other
// functions afterwards, scopes are no longer entered (checked on each entry), so nothing is
// ever left unreleased in a block jansson does not know about.
//
// Under AddressSanitizer the arena is off, so that ASan sees every jansson allocation. It is
// detected at run time (its runtime defines __asan_init), as the flags Swift passes when it
// compiles this header do not say whether the build is sanitized.

extern void __asan_init(void) __attribute__((weak));

static inline int cjansson_arena_available(void) { return &__asan_init == 0; }

enum { CJANSSON_ARENA_BYTES = 512 * 1024 };

typedef struct {
    char *block;
    size_t used;
    int active;
    int spilled; // an allocation of this scope did not fit the block and went to malloc
} cjansson_arena_t;

/// This thread's arena (a function-local static, so that it is emitted with the functions that use it).
static inline cjansson_arena_t *cjansson_arena_state(void) {
    static _Thread_local cjansson_arena_t arena;
    return &arena;
}

/// The allocation functions jansson had when the arena was installed (what it falls back on).
typedef struct {
    json_malloc_t malloc_fn;
    json_free_t free_fn;
} cjansson_arena_previous_t;

static inline cjansson_arena_previous_t *cjansson_arena_previous(void) {
    static cjansson_arena_previous_t previous = {malloc, free};
    return &previous;
}

static inline void *cjansson_arena_malloc(size_t size) {
    cjansson_arena_t *arena = cjansson_arena_state();
    if (arena->active) {
        size_t rounded = (size + 15) & ~(size_t)15;
        if (rounded >= size && rounded <= CJANSSON_ARENA_BYTES - arena->used) {
            void *pointer = arena->block + arena->used;
            arena->used += rounded;
            return pointer;
        }
        arena->spilled = 1;
    }
    return cjansson_arena_previous()->malloc_fn(size);
}

static inline void cjansson_arena_free(void *pointer) {
    cjansson_arena_t *arena = cjansson_arena_state();
    uintptr_t address = (uintptr_t)pointer;
    uintptr_t start = (uintptr_t)arena->block;
    if (arena->block && address >= start && address < start + CJANSSON_ARENA_BYTES) return;
    cjansson_arena_previous()->free_fn(pointer);
}

/// Whether jansson allocates through the arena functions now.
static inline int cjansson_arena_installed(void) {
    json_malloc_t current_malloc = NULL;
    json_free_t current_free = NULL;
    json_get_alloc_funcs(&current_malloc, &current_free);
    return current_malloc == cjansson_arena_malloc && current_free == cjansson_arena_free;
}

/// Routes jansson's allocations through the arena functions, keeping the functions that were
/// there for everything outside a scope (once per process, before the first parse that asks).
static inline void cjansson_arena_install(void) {
    if (!cjansson_arena_available() || cjansson_arena_installed()) return;
    cjansson_arena_previous_t *previous = cjansson_arena_previous();
    json_get_alloc_funcs(&previous->malloc_fn, &previous->free_fn);
    if (!previous->malloc_fn || !previous->free_fn) {
        previous->malloc_fn = malloc;
        previous->free_fn = free;
    }
    json_set_alloc_funcs(cjansson_arena_malloc, cjansson_arena_free);
}

static inline void cjansson_arena_release(void *block) { free(block); }

/// The key whose destructor frees a thread's block when the thread exits.
static inline pthread_key_t *cjansson_arena_key(void) {
    static pthread_key_t key;
    return &key;
}

static inline void cjansson_arena_make_key(void) { pthread_key_create(cjansson_arena_key(), cjansson_arena_release); }

/// Enters this thread's arena scope; returns 0 when it cannot (disabled, not installed or replaced
/// since, already inside one, or out of memory), in which case jansson allocates as usual and
/// cjansson_arena_leave must not be called.
static inline int cjansson_arena_enter(void) {
    if (!cjansson_arena_available() || !cjansson_arena_installed()) return 0;
    cjansson_arena_t *arena = cjansson_arena_state();
    if (arena->active) return 0;
    if (!arena->block) {
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        if (pthread_once(&once, cjansson_arena_make_key) != 0) return 0;
        char *block = (char *)malloc(CJANSSON_ARENA_BYTES);
        if (!block) return 0;
        if (pthread_setspecific(*cjansson_arena_key(), block) != 0) {
            free(block);
            return 0;
        }
        arena->block = block;
    }
    arena->used = 0;
    arena->spilled = 0;
    arena->active = 1;
    return 1;
}

/// Whether this thread is inside a scope and everything allocated in it is in the block (so
/// leaving the scope frees it all, and values need not be released one by one).
static inline int cjansson_arena_holds_everything(void) {
    cjansson_arena_t *arena = cjansson_arena_state();
    return arena->active && !arena->spilled;
}

/// Leaves the scope: everything allocated inside it is free again.
static inline void cjansson_arena_leave(void) {
    cjansson_arena_t *arena = cjansson_arena_state();
    arena->active = 0;
    arena->used = 0;
}

#endif
