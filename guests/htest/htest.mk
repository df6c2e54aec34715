# htest/htest.mk: the H-extension test guests (M-mode programs that enter HS, U, VS and VU), included at the end
# of guests/Makefile. Their sources switch the assembler to the H extension with `.option arch, +h` (GCC 12's
# driver does not accept `_h` in -march).
#
#   make                     also builds bin/htest-*.elf (so check-fresh covers them)
#   make test-qemu-htest     run each in QEMU with the H extension; fail unless each exits 0 with its PASS line
#   make run-qemu-htest-NAME run one (e.g. run-qemu-htest-trap)

HTEST_TESTS   := csr trap virtinst gstage
HTEST_ELFS    := $(patsubst %,$(OUT)/htest-%.elf,$(HTEST_TESTS))
HTEST_SUPPORT := $(OBJ)/htest/htest_support.o
# Page tables (and their pool, which crt0 zeroes) only where needed: lockstep runs step every instruction.
HTEST_TABLES  := $(OBJ)/htest/pt.o $(OBJ)/htest/gstage_tables.o
HTEST_OBJS    := $(patsubst %,$(OBJ)/htest/%.o,$(HTEST_TESTS)) $(HTEST_SUPPORT) $(HTEST_TABLES)
HTEST_QEMU     = timeout 60 $(QEMU) -machine virt -cpu rv64,h=true -bios none -nographic -kernel

.PHONY: test-qemu-htest

all: $(HTEST_ELFS)

$(HTEST_OBJS): htest/htest.h htest/htest.mk
$(HTEST_OBJS): ASFLAGS += -Ihtest

# Each test links its own object after the shared ones; gstage also its page tables.
$(OUT)/htest-%.elf: $(COMMON_OBJS) $(ISA_SUPPORT) $(HTEST_SUPPORT) $(OBJ)/htest/%.o common/link.ld
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^)

$(OUT)/htest-gstage.elf: $(HTEST_TABLES)

run-qemu-htest-%: $(OUT)/htest-%.elf
	$(HTEST_QEMU) $<

test-qemu-htest: $(HTEST_ELFS)
	@status=0; \
	for f in $(HTEST_ELFS); do \
	    out=$$($(HTEST_QEMU) $$f 2>&1); rc=$$?; \
	    if [ $$rc -eq 0 ] && echo "$$out" | grep -q ': PASS'; then echo "ok    $$f"; \
	    else echo "FAIL  $$f (exit $$rc)"; echo "$$out" | sed 's/^/    /'; status=1; fi; \
	done; exit $$status
