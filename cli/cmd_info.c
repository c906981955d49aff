#include "cli/cli.h"

int cmd_info(int argc, char **argv) {
    (void)argc;
    (void)argv;
    wick_error err = {WICK_ERR_UNSUPPORTED, "info: not implemented yet"};
    return cli_fail(&err);
}
