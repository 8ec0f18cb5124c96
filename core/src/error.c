/* The error table's names and messages (see mc/error.h). */
#include <string.h>

#include "mc/error.h"

typedef struct {
    int value;
    const char *name;
    const char *message;
} mc__err_row;

static const mc__err_row mc__err_rows[] = {
#define MC__ERR_ROW(name, value, message) {value, #name, message},
    MC_ERROR_TABLE(MC__ERR_ROW)
#undef MC__ERR_ROW
};

#define MC__ERR_ROW_COUNT (sizeof mc__err_rows / sizeof mc__err_rows[0])

static const mc__err_row *err_find(int err)
{
    for (size_t i = 0; i < MC__ERR_ROW_COUNT; i++) {
        if (mc__err_rows[i].value == err) {
            return &mc__err_rows[i];
        }
    }
    return NULL;
}

const char *mc_err_name(int err)
{
    const mc__err_row *row = err_find(err);
    return row ? row->name : "UNKNOWN";
}

const char *mc_strerror(int err)
{
    const mc__err_row *row = err_find(err);
    return row ? row->message : "unknown error";
}

int mc_err_from_name(const char *name)
{
    if (name == NULL) {
        return -1;
    }
    for (size_t i = 0; i < MC__ERR_ROW_COUNT; i++) {
        if (strcmp(mc__err_rows[i].name, name) == 0) {
            return mc__err_rows[i].value;
        }
    }
    return -1;
}

int mc_err_is_known(int err)
{
    return err_find(err) != NULL;
}
