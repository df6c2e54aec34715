# nanobench/nanobench.mk: the VM-exit nanobenchmark (an S-mode payload for SBI firmware, linked with the
# sbi/ payloads' entry and library), included at the end of guests/Makefile. Host timing: bench/nanobench.ts.
#
#   make                         also builds bin/nanobench.elf (so check-fresh covers it)
#   make run-qemu-nanobench      run it under OpenSBI fw_jump
#   make test-qemu-nanobench     the same; fail unless it exits 0 with "nanobench: PASS" last

NANOBENCH_OBJS := $(OBJ)/nanobench/nanobench.o $(OBJ)/nanobench/loops.o

.PHONY: run-qemu-nanobench test-qemu-nanobench

all: $(OUT)/nanobench.elf

$(NANOBENCH_OBJS): sbi/sbi.h nanobench/nanobench.mk

$(OUT)/nanobench.elf: $(SBI_LIB_OBJS) $(NANOBENCH_OBJS) sbi/link.ld
	@mkdir -p $(dir $@)
	$(CC) $(SBI_LDFLAGS) -o $@ $(SBI_LIB_OBJS) $(NANOBENCH_OBJS)

run-qemu-nanobench: $(OUT)/nanobench.elf
	$(SBI_QEMU) -kernel $<

test-qemu-nanobench: $(OUT)/nanobench.elf
	@out=$$($(SBI_QEMU) -kernel $< </dev/null 2>&1); rc=$$?; \
	out=$$(echo "$$out" | tr -d '\r'); \
	if [ $$rc -eq 0 ] && [ "$$(echo "$$out" | tail -n 1)" = "nanobench: PASS" ]; then echo "ok    nanobench.elf"; \
	else echo "FAIL  nanobench.elf (exit $$rc)"; echo "$$out" | sed 's/^/    /'; exit 1; fi
