#include "cli/cli.h"

int cmd_template(int argc, char **argv) {
    (void)argc;
    (void)argv;
    wick_error err = {WICK_ERR_UNSUPPORTED, "template: not implemented yet"};
    return cli_fail(&err);
}
