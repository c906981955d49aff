/* The native shell: `wick <command> ...`. One file per command. Each
 * returns the process exit code (0 ok, 1 failure, 2 usage). */
#ifndef WICK_CLI_CLI_H
#define WICK_CLI_CLI_H

#include "wick.h"

int cmd_info(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_detokenize(int argc, char **argv);
int cmd_template(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_api(int argc, char **argv);

/* Prints "wick: <message>" to stderr and returns 1. */
int cli_fail(const wick_error *err);
/* Prints "wick <command>: <text>" and the usage line to stderr; returns 2. */
int cli_usage(const char *command, const char *usage, const char *problem);

#endif
