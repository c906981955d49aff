/* wick-mkmodel's subcommands (tools/wick_mkmodel.c dispatches) and their
 * shared helpers. Each subcommand takes argv after the program name
 * (argv[0] is the subcommand) and returns a process exit status: 0 ok,
 * 1 failure, 2 bad usage. */
#ifndef WICK_TOOLS_MKMODEL_H
#define WICK_TOOLS_MKMODEL_H

#include "quant/quant.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int mkmodel_random(int argc, char **argv);
int mkmodel_vocab(int argc, char **argv);
int mkmodel_quant_roundtrip(int argc, char **argv);
int mkmodel_split(int argc, char **argv);

/* the --help text */
void mkmodel_usage(FILE *f);

/* ggml type by name ("q4_K", "Q4_K", "f16"), among quant_type_supported */
bool mkmodel_parse_type(const char *name, uint32_t *type);
void mkmodel_list_types(FILE *f);
/* decimal, no sign, <= max */
bool mkmodel_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* all of stdin, malloc'd */
char *mkmodel_read_stdin(size_t *len);

#endif
