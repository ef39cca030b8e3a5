/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* parse_size() and the resource flags built on it (resource_option() of
 * cli/resources.c): the first byte picks a flag, the rest is its argument. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <sched.h>

#include "fuzz.h"
#include "log.h"
#include "parse.h"
#include "resources.h"

static const int resource_opts[] = {
	'm',
	ARG_RES_MEMORY_SWAP,
	'C',
	ARG_RES_CPUS,
	ARG_RES_CPU_SHARES,
	ARG_RES_CPU_WEIGHT,
	ARG_RES_PIDS,
	'w',
	'r',
	ARG_RES_IO_DEVICE,
	'p',
	ARG_RES_RT_PRIORITY,
	ARG_RES_CPUSET,
};

/* What a successful parse_size() must agree with: the whole part, shifted
 * by the unit, is exact; a fraction adds less than one more unit. */
static void check_size(const char *s, uint64_t v)
{
	uint64_t whole = 0;
	size_t n = strspn(s, "0123456789");
	char digits[32];
	if (n == 0 || n >= sizeof(digits))
		return;
	memcpy(digits, s, n);
	digits[n] = 0;
	if (parse_uint64(digits, &whole) < 0)
		return;
	const char *unit = s + n;
	bool frac = *unit == '.';
	if (frac)
		unit += 1 + strspn(unit + 1, "0123456789");
	static const char units[] = "kmgtp";
	const char *u = *unit ? strchr(units, tolower((unsigned char)*unit)) : NULL;
	unsigned shift = u ? 10 * (unsigned)(u - units + 1) : 0;
	fuzz_check(shift == 0 || whole <= (UINT64_MAX >> shift));
	uint64_t base = whole << shift;
	if (!frac)
		fuzz_check(v == base);
	else
		fuzz_check(v >= base && v - base < ((uint64_t)1 << shift));
}

static void check_resource(int opt, const char *arg, const ResourceOptions *o)
{
	switch (opt) {
	case 'm':
		fuzz_check(o->has_memory && o->memory >= 4096 && o->memory <= INT64_MAX);
		break;
	case ARG_RES_MEMORY_SWAP:
		fuzz_check(o->has_swap && o->swap >= -1);
		break;
	case 'C':
	case ARG_RES_CPUS:
		fuzz_check(o->has_quota && o->quota >= 1000 && o->quota <= 1000000 * 1024L);
		break;
	case ARG_RES_CPU_SHARES:
		fuzz_check(o->has_shares && o->shares >= 2 && o->shares <= 262144);
		break;
	case ARG_RES_CPU_WEIGHT:
		fuzz_check(o->has_weight && o->weight >= 1 && o->weight <= 10000);
		break;
	case ARG_RES_PIDS:
		fuzz_check(o->has_pids && (o->pids == -1 || (o->pids >= 1 && o->pids <= 4194304)));
		break;
	case 'w':
		fuzz_check(o->has_write_bps && o->write_bps > 0);
		break;
	case 'r':
		fuzz_check(o->has_read_bps && o->read_bps > 0);
		break;
	case 'p':
		fuzz_check(o->pin && o->pin_cpu >= -1 && o->pin_cpu < CPU_SETSIZE);
		fuzz_check(arg || o->pin_cpu == -1);
		break;
	case ARG_RES_RT_PRIORITY:
		fuzz_check(o->has_rt_priority && o->rt_priority >= 1 && o->rt_priority <= 99);
		break;
	case ARG_RES_CPUSET:
		fuzz_check(o->cpuset == arg && cpu_list_is_valid(arg));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The flag errors are what a user sees; here they are noise. */
	log_setup(NULL, -1);

	char *s = fuzz_strndup(data, size);
	uint64_t v = 0xdeadbeef;
	int r = parse_size(s, &v);
	fuzz_check(r == 0 || r == -EINVAL || r == -ERANGE);
	if (r == 0)
		check_size(s, v);
	else
		fuzz_check(v == 0xdeadbeef);

	if (size > 0) {
		int opt = resource_opts[data[0] % ELEMENTSOF(resource_opts)];
		/* --pin-cpu's argument is optional: the high bit leaves it out. */
		const char *arg = opt == 'p' && (data[0] & 0x80) ? NULL : s + 1;
		ResourceOptions o = { 0 };
		r = resource_option(opt, arg, NULL, &o);
		fuzz_check(r == 1 || r == -EINVAL);
		if (r == 1)
			check_resource(opt, arg, &o);
		resource_options_done(&o);
	}
	free(s);
	return 0;
}
