# Wick native build. `make` builds build/libwick.a, build/wick (CLI),
# build/wick-mkmodel (test-model writer) and the test programs;
# `make test` builds the sanitizer variant and runs every test.

CLANG := $(shell command -v clang-19 2>/dev/null)
CC := $(if $(CLANG),$(CLANG),cc)
AR ?= ar

CSTD := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
INC := -Iinclude -Isrc -I.
OPT := -O2 -g
ASAN := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

CFLAGS_REL := $(CSTD) $(WARN) $(INC) $(OPT) -MMD -MP
CFLAGS_SAN := $(CSTD) $(WARN) $(INC) $(ASAN) -MMD -MP

CORE_SRC := $(wildcard src/*/*.c)
CLI_SRC := $(wildcard cli/*.c)
TOOL_SRC := $(wildcard tools/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

REL_OBJ := $(CORE_SRC:%.c=build/obj/%.o)
SAN_OBJ := $(CORE_SRC:%.c=build/asan/obj/%.o)
LIBM := -lm

.PHONY: all test asan fuzz wasm-check clean bench
all: build/libwick.a build/wick build/wick-mkmodel $(TEST_SRC:tests/unit/%.c=build/tests/%)

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -c $< -o $@

build/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) -c $< -o $@

build/libwick.a: $(REL_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

build/asan/libwick.a: $(SAN_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

build/wick: $(CLI_SRC:%.c=build/obj/%.o) build/libwick.a
	$(CC) $(OPT) -o $@ $^ $(LIBM)

build/wick-mkmodel: $(TOOL_SRC:%.c=build/obj/%.o) build/libwick.a
	$(CC) $(OPT) -o $@ $^ $(LIBM)

build/asan/wick: $(CLI_SRC:%.c=build/asan/obj/%.o) build/asan/libwick.a
	$(CC) $(ASAN) -o $@ $^ $(LIBM)

build/asan/wick-mkmodel: $(TOOL_SRC:%.c=build/asan/obj/%.o) build/asan/libwick.a
	$(CC) $(ASAN) -o $@ $^ $(LIBM)

# Unit tests: release build (`make`) and sanitizer build (`make test`).
build/tests/%: tests/unit/%.c build/libwick.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -o $@ $< build/libwick.a $(LIBM)

build/asan/tests/%: tests/unit/%.c build/asan/libwick.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) -o $@ $< build/asan/libwick.a $(LIBM)

asan: build/asan/wick build/asan/wick-mkmodel $(TEST_SRC:tests/unit/%.c=build/asan/tests/%)

# JSON Schema converter check tool (tests/conformance/json_schema.sh).
build/json-schema-check: tests/tools/json_schema_check.c build/libwick.a
	$(CC) $(CFLAGS_REL) -o $@ $< build/libwick.a $(LIBM)
build/asan/json-schema-check: tests/tools/json_schema_check.c build/asan/libwick.a
	$(CC) $(CFLAGS_SAN) -o $@ $< build/asan/libwick.a $(LIBM)
asan: build/asan/json-schema-check

# libFuzzer targets (clang only): build/fuzz/fuzz_<parser>.
FUZZ_FLAGS := $(CSTD) $(WARN) $(INC) -O1 -g -fsanitize=fuzzer,address,undefined
fuzz: $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
build/fuzz/%: tests/fuzz/%.c $(CORE_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_FLAGS) -o $@ $< $(CORE_SRC) $(LIBM)

# The same core sources must compile for the browser (wasm32, simd128).
WASM_CC := $(if $(CLANG),$(CLANG),clang)
wasm-check:
	@mkdir -p build/wasm-check
	@for f in $(CORE_SRC); do \
	  $(WASM_CC) --target=wasm32-wasi -msimd128 $(CSTD) $(WARN) $(INC) -O2 -c $$f \
	    -o build/wasm-check/$$(echo $$f | tr / _).o || exit 1; done
	@echo "wasm-check: $(words $(CORE_SRC)) core files compile for wasm32-wasi"

# Installs missing test dependencies first, then builds with the compiler
# that may just have been installed (hence the sub-make).
test:
	bash tests/setup/deps.sh
	$(MAKE) asan
	bash tests/run_all.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

# The main job, for now: fetch the default model and show what Wick reads
# from it (summary, tokens, the chat prompt it would send).
DEMO_MODEL := build/models/smollm2-135m-instruct-q4_1.gguf
demo:
	bash tests/setup/demo_deps.sh
	$(MAKE) all
	$(MAKE) web
	bash tests/setup/models.sh
	build/wick info $(DEMO_MODEL)
	build/wick run -m $(DEMO_MODEL) --chat --system "You are a helpful assistant." -p "What is the capital of France?" -n 48
	WICK_MODEL=$(DEMO_MODEL) bash examples/chat/serve.sh --no-build
.PHONY: demo

# Benchmarks print numbers (recorded in BENCHMARKS.md); they are not tests.
build/bench/grammar_bench: tests/bench/grammar_bench.c build/libwick.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -o $@ $< build/libwick.a $(LIBM)

bench: all
	bash tests/setup/models.sh
	bash tests/bench/tokenize_bench.sh

# GPU benchmark (issue 6 item 8): builds the kit for the device machine's
# H100 under build/gpu-kit/ (Chromium, loaders, page files, model headers);
# running it needs the device tool: see tests/bench/gpu/README.md.
bench-gpu: all
	bash tests/bench/gpu/pack.sh
	@echo "bench-gpu: kit ready; the benchmark runs on the device machine (no GPU here):"
	@echo "  see tests/bench/gpu/README.md for the device 'run' calls"
.PHONY: bench-gpu

# ------------------------------------------------------------------ browser
# `make web`: the C core built with emscripten in two variants,
# build/web/wick-mt.{js,wasm,worker.js} (pthreads on Web Workers; needs a
# cross-origin isolated page) and build/web/wick-st.{js,wasm} (one thread),
# then web/src/*.ts compiled to web/dist/ with those files copied beside it.
# Part of `all` only where emcc (and the npm typescript) is installed.
EMCC := $(shell command -v emcc 2>/dev/null)
EMENV := NODE_PATH=/usr/share/nodejs
TSC := node_modules/.bin/tsc
WEB_CFLAGS := $(CSTD) $(WARN) $(INC) -O2 -msimd128 -MMD -MP
# The request-engine exports need src/api (include/wick_api.h) implemented.
WEB_C := web/c/wick_wasm.c $(if $(shell grep -ls '^wick_status wick_engine_new' src/api/*.c 2>/dev/null),web/c/wick_wasm_engine.c)
WEB_C += web/c/wick_wasm_gpu.c
WEB_LDFLAGS := -O2 -msimd128 -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createWickModule \
  -sENVIRONMENT=web,worker,node -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=32MB \
  -sMAXIMUM_MEMORY=4GB -sTOTAL_STACK=4MB
# Pool size comes from loadWickCore (threads); with STRICT=2 a thread over
# the pool fails pthread_create (an error) instead of deadlocking.
WEB_MT_LDFLAGS := -pthread -Wno-pthreads-mem-growth '-sPTHREAD_POOL_SIZE=Module.wickPoolSize||4' \
  -sPTHREAD_POOL_SIZE_STRICT=2
WEB_FILES := wick-st.js wick-st.wasm wick-mt.js wick-mt.wasm wick-mt.worker.js

build/web/obj-st/%.o: %.c
	@mkdir -p $(dir $@)
	$(EMENV) emcc $(WEB_CFLAGS) -c $< -o $@

build/web/obj-mt/%.o: %.c
	@mkdir -p $(dir $@)
	$(EMENV) emcc $(WEB_CFLAGS) -pthread -c $< -o $@

build/web/wick-st.js: $(CORE_SRC:%.c=build/web/obj-st/%.o) $(WEB_C:%.c=build/web/obj-st/%.o)
	$(EMENV) emcc $(WEB_LDFLAGS) -o $@ $^

build/web/wick-mt.js: $(CORE_SRC:%.c=build/web/obj-mt/%.o) $(WEB_C:%.c=build/web/obj-mt/%.o)
	$(EMENV) emcc $(WEB_LDFLAGS) $(WEB_MT_LDFLAGS) -o $@ $^

web/dist/wasm_core.js: $(wildcard web/src/*.ts) web/tsconfig.json
	@test -x $(TSC) || { echo "make web: $(TSC) is missing (run npm ci)"; exit 1; }
	$(TSC) -p web/tsconfig.json
	@touch $@

# The WebGPU executor (web/src/gpu/) embeds src/gpu/wgsl/*.wgsl through a
# generated module (not committed).
web/src/gpu/wgsl_sources.ts: $(wildcard src/gpu/wgsl/*.wgsl) src/gpu/wgsl_to_ts.mjs
	node src/gpu/wgsl_to_ts.mjs $@
web/dist/wasm_core.js: web/src/gpu/wgsl_sources.ts $(wildcard web/src/gpu/*.ts)

web: build/web/wick-st.js build/web/wick-mt.js web/dist/wasm_core.js
	cp $(WEB_FILES:%=build/web/%) web/dist/

all: $(if $(and $(EMCC),$(wildcard $(TSC))),web)
.PHONY: web

# The browser chat demo: builds the package (make web) and serves
# examples/chat/ with tools/web_server.mjs; prints the URL. A local model:
# `make chat-demo WICK_MODEL=build/models/smollm2-135m-instruct-q4_1.gguf`.
chat-demo:
	WICK_MODEL="$(WICK_MODEL)" bash examples/chat/serve.sh
.PHONY: chat-demo
