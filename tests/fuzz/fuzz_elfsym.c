// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the ELF symbol readers, on a file whose bytes are the input (a memfd,
 * since both read by path as hotcanary does)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "elfsym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hc_elfsym sym;
	struct elfsymtab t;
	char path[64], err[512];
	bool amb;
	int fd;

	fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	elfsym__resolve(path, "main", &sym, err, sizeof(err));
	if (!elfsymtab__load(path, &t, err, sizeof(err))) {
		elfsymtab__find(&t, "main", &amb);
		elfsymtab__free(&t);
	}
	close(fd);
	return 0;
}
