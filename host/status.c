/* Status names and messages, both made from CLPOOL_STATUS_MAP so that they
 * cannot drift from the enum. */
#include "internal.h"

const char *clpool_strerror(int status)
{
    switch (status) {
#define CLPOOL_STATUS_MSG_(name, value, msg)                                           \
    case CLPOOL_##name:                                                                \
        return msg;
        CLPOOL_STATUS_MAP(CLPOOL_STATUS_MSG_)
#undef CLPOOL_STATUS_MSG_
    default:
        return "unknown status";
    }
}

const char *clpool_err_name(int status)
{
    switch (status) {
#define CLPOOL_STATUS_NAME_(name, value, msg)                                          \
    case CLPOOL_##name:                                                                \
        return "CLPOOL_" #name;
        CLPOOL_STATUS_MAP(CLPOOL_STATUS_NAME_)
#undef CLPOOL_STATUS_NAME_
    default:
        return "CLPOOL_UNKNOWN";
    }
}
