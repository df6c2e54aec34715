# sbi/sbi.mk: the SBI test payloads (S-mode images for SBI firmware), included at the end of guests/Makefile.
#
#   make                     also builds bin/sbi-test.elf, bin/smp-test.elf and bin/vmm-test.elf (for check-fresh)
#   make test-qemu-sbi       run them under OpenSBI fw_jump: sbi-test on 1 and 2 harts, smp-test on 2, 3 and 4,
#                            vmm-test on 1; each must exit 0 with its PASS line last
#   make run-qemu-sbi-test   run-qemu-smp-test SMP=4: one run, output on the terminal
#   make prove-fail-sbi      build copies with check N reporting the opposite: each must end in "FAIL"
#   make measure-sbi-test    a build-tmp/ copy prints the boot hart's instret, run under -icount (OpenSBI included).
#                            Not smp-test: under -icount QEMU 7.2 never schedules the started hart while the
#                            boot hart busy-waits for it (it passes with MTTCG and with -accel tcg,thread=single).

SBI_ELFS     := $(OUT)/sbi-test.elf $(OUT)/smp-test.elf $(OUT)/vmm-test.elf
SBI_LIB_OBJS := $(OBJ)/sbi/entry.o $(OBJ)/sbi/lib.o
SBI_LDFLAGS  := $(ARCH) -nostdlib -nostartfiles -static -T sbi/link.ld \
                -Wl,--no-relax -Wl,--build-id=none -Wl,--no-warn-rwx-segments
OPENSBI_FW_JUMP ?= /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
SBI_QEMU     = timeout 60 $(QEMU) -machine virt -nographic -m 128M -bios $(OPENSBI_FW_JUMP)
SMP          ?= 2

.PHONY: test-qemu-sbi run-qemu-sbi-test run-qemu-smp-test prove-fail-sbi measure-sbi-test

all: $(SBI_ELFS)

$(SBI_LIB_OBJS) $(OBJ)/sbi/sbi-test.o $(OBJ)/sbi/smp-test.o $(OBJ)/sbi/vmm-test.o: sbi/sbi.h sbi/sbi.mk

$(OUT)/sbi-test.elf: $(SBI_LIB_OBJS) $(OBJ)/sbi/sbi-test.o sbi/link.ld
	@mkdir -p $(dir $@)
	$(CC) $(SBI_LDFLAGS) -o $@ $(SBI_LIB_OBJS) $(OBJ)/sbi/sbi-test.o

$(OUT)/smp-test.elf: $(SBI_LIB_OBJS) $(OBJ)/sbi/smp-test.o sbi/link.ld
	@mkdir -p $(dir $@)
	$(CC) $(SBI_LDFLAGS) -o $@ $(SBI_LIB_OBJS) $(OBJ)/sbi/smp-test.o

# The VM-exit provoker (every exit reason of --mode hw; test/vmm/exit-reasons.test.ts checks the records).
$(OUT)/vmm-test.elf: $(SBI_LIB_OBJS) $(OBJ)/sbi/vmm-test.o sbi/link.ld
	@mkdir -p $(dir $@)
	$(CC) $(SBI_LDFLAGS) -o $@ $(SBI_LIB_OBJS) $(OBJ)/sbi/vmm-test.o

run-qemu-sbi-test: $(OUT)/sbi-test.elf
	$(SBI_QEMU) -smp 1 -kernel $<

run-qemu-smp-test: $(OUT)/smp-test.elf
	$(SBI_QEMU) -smp $(SMP) -kernel $<

# stdin is /dev/null: the payloads never read the console (DBCN console_read only checks it does not block).
test-qemu-sbi: $(SBI_ELFS)
	@status=0; \
	for run in sbi-test:1 sbi-test:2 smp-test:2 smp-test:3 smp-test:4 vmm-test:1; do \
	    name=$${run%:*}; n=$${run#*:}; \
	    out=$$($(SBI_QEMU) -smp $$n -kernel $(OUT)/$$name.elf </dev/null 2>&1); rc=$$?; \
	    out=$$(echo "$$out" | tr -d '\r'); \
	    if [ $$rc -eq 0 ] && [ "$$(echo "$$out" | tail -n 1)" = "$$name: PASS" ] && \
	       ! echo "$$out" | grep -q "^$$name: FAIL"; then \
	        echo "ok    $$name.elf (-smp $$n)"; \
	    else \
	        echo "FAIL  $$name.elf (-smp $$n, exit $$rc)"; echo "$$out" | sed 's/^/    /'; status=1; \
	    fi; \
	done; exit $$status

# QEMU exits 0 even for a failing payload: OpenSBI 1.1 reports SRST reason 1 as FINISHER_FAIL with code 0.
SBI_BREAK_CHECKS ?= 1 5
prove-fail-sbi:
	@status=0; \
	for n in $(SBI_BREAK_CHECKS); do \
	    $(MAKE) --no-print-directory -s OUT=$(TMPDIR_)/sbi-broken-$$n/bin OBJ=$(TMPDIR_)/sbi-broken-$$n/obj \
	        EXTRA_FLAGS=-DSBI_BREAK_CHECK=$$n $(TMPDIR_)/sbi-broken-$$n/bin/sbi-test.elf \
	        $(TMPDIR_)/sbi-broken-$$n/bin/smp-test.elf $(TMPDIR_)/sbi-broken-$$n/bin/vmm-test.elf || exit 1; \
	    for name in sbi-test smp-test vmm-test; do \
	        out=$$($(SBI_QEMU) -smp 2 -kernel $(TMPDIR_)/sbi-broken-$$n/bin/$$name.elf </dev/null 2>&1 | tr -d '\r'); \
	        last=$$(echo "$$out" | tail -n 1); \
	        case "$$last" in "$$name: FAIL "*) echo "fails as it should: $$last";; \
	        *) echo "DID NOT FAIL: $$name with check $$n broken: $$last"; status=1;; esac; \
	    done; \
	done; exit $$status

measure-sbi-test:
	@$(MAKE) --no-print-directory -s OUT=$(TMPDIR_)/measure/bin OBJ=$(TMPDIR_)/measure/obj \
	    EXTRA_FLAGS=-DSBI_MEASURE $(TMPDIR_)/measure/bin/sbi-test.elf
	$(SBI_QEMU) -icount shift=0 -smp 1 -kernel $(TMPDIR_)/measure/bin/sbi-test.elf </dev/null
