// Inline wrappers for jansson's function-like macros, which Swift cannot import.
// Every wrapper carries the `cjansson_` prefix; nothing else lives here.
#ifndef CJANSSON_SHIM_H
#define CJANSSON_SHIM_H

#include <jansson.h>

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

#endif
