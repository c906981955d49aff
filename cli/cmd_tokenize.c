#include "cli/cli.h"

int cmd_tokenize(int argc, char **argv) {
    (void)argc;
    (void)argv;
    wick_error err = {WICK_ERR_UNSUPPORTED, "tokenize: not implemented yet"};
    return cli_fail(&err);
}

int cmd_detokenize(int argc, char **argv) {
    (void)argc;
    (void)argv;
    wick_error err = {WICK_ERR_UNSUPPORTED, "detokenize: not implemented yet"};
    return cli_fail(&err);
}
