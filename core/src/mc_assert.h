/* MC_ASSERT: always on; guards proven invariants, never input. */
#ifndef MC_ASSERT_INTERNAL_H
#define MC_ASSERT_INTERNAL_H

#include <stdio.h>
#include <stdlib.h>

#define MC_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
