/* Names of account kinds and statuses (see mc/types.h). */
#include <string.h>

#include "mc/types.h"

static const char *const kind_names[] = {NULL, "member", "business", "commons", "system"};
static const char *const status_names[] = {NULL, "active", "frozen", "closed"};

const char *mc_account_kind_name(int kind)
{
    return kind >= MC_KIND_MEMBER && kind <= MC_KIND_SYSTEM ? kind_names[kind] : NULL;
}

int mc_account_kind_from_name(const char *name)
{
    for (int k = MC_KIND_MEMBER; name != NULL && k <= MC_KIND_SYSTEM; k++) {
        if (strcmp(kind_names[k], name) == 0) {
            return k;
        }
    }
    return -1;
}

const char *mc_account_status_name(int status)
{
    return status >= MC_STATUS_ACTIVE && status <= MC_STATUS_CLOSED ? status_names[status] : NULL;
}
