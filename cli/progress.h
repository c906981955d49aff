/* A loading progress bar for the generating commands (run, chat).
 *
 * Wick memory-maps the weights, so "loading" a model is the kernel reading
 * its pages in on first touch, spread over the first forward pass with no
 * sign of life. For a large file on a terminal, cli_preload reads the
 * pages into the page cache up front, chunk by chunk, drawing a bar on
 * stderr; the model's own mapping then finds them there. */
#ifndef WICK_CLI_PROGRESS_H
#define WICK_CLI_PROGRESS_H

/* Files at least this large get a bar (smaller ones load in a blink). */
#define CLI_PRELOAD_MIN_BYTES (100ull << 20)

/* Reads `path` into the page cache with a progress bar, only when stderr
 * is a terminal and the file is at least CLI_PRELOAD_MIN_BYTES; otherwise
 * does nothing. Best effort: any problem (the file cannot be opened, is
 * not regular ...) is left for wick_model_open to report. */
void cli_preload(const char *path);

#endif
