#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

static const cli_command COMMANDS[] = {
    {"info", cmd_info, "summarise a GGUF model: architecture, size, quantization, memory"},
    {"tokenize", cmd_tokenize, "print the token ids of a text"},
    {"detokenize", cmd_detokenize, "print the text of token ids"},
    {"template", cmd_template, "render the model's chat template for a conversation"},
    {"run", cmd_run, "generate text from a prompt (greedy, or sampled with --temp)"},
    {"chat", cmd_chat, "interactive chat through the model's template"},
    {"bench", cmd_bench, "prompt/generation speed (pp/tg tokens/s)"},
    {"api", cmd_api, "answer one OpenAI-style request (JSON on stdin; SSE when streaming)"},
};

int cli_fail(const wick_error *err) {
    fprintf(stderr, "wick: %s\n", err->message[0] ? err->message : wick_status_name(err->code));
    return 1;
}

int cli_usage(const char *command, const char *usage, const char *problem) {
    if (problem) fprintf(stderr, "wick %s: %s\n", command, problem);
    fprintf(stderr, "usage: wick %s %s\n", command, usage);
    return 2;
}

static void print_help(FILE *f) {
    fprintf(f, "usage: wick <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(f, "  %-12s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        print_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (!strcmp(argv[1], COMMANDS[i].name)) return COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "wick: unknown command '%s'\n", argv[1]);
    print_help(stderr);
    return 2;
}
