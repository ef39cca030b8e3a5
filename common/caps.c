/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "caps.h"
#include "util.h"

/* Podman 4's containers.conf default_capabilities. */
const char *const caps_default[] = {
	"CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",     "CAP_FSETID",
	"CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",    "CAP_SETGID",
	"CAP_SETPCAP", "CAP_SETUID",           "CAP_SYS_CHROOT", NULL,
};

int cap_last(void)
{
	static int last = -1;
	if (last < 0) {
		_cleanup_free_ char *s = NULL;
		if (read_one_line("/proc/sys/kernel/cap_last_cap", &s) == 0)
			last = atoi(s);
		if (last <= 0 || last > 63)
			last = CAP_LAST_CAP;
	}
	return last;
}

uint64_t caps_all_mask(void)
{
	int last = cap_last();
	return last >= 63 ? UINT64_MAX : ((uint64_t)1 << (last + 1)) - 1;
}

int cap_parse_name(const char *name, int *ret)
{
	/* Accept "CAP_SYS_ADMIN", "cap_sys_admin" and "SYS_ADMIN". */
	char buf[64];
	if (!name || strlen(name) + 5 > sizeof(buf) || !*name)
		return -EINVAL;
	if (strncasecmp(name, "CAP_", 4) == 0)
		snprintf(buf, sizeof(buf), "%s", name);
	else
		snprintf(buf, sizeof(buf), "cap_%s", name);
	for (char *p = buf; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_')
			return -EINVAL;
		*p = (char)tolower((unsigned char)*p);
	}
	cap_value_t v;
	if (cap_from_name(buf, &v) < 0 || v < 0 || v > cap_last())
		return -EINVAL;
	*ret = v;
	return 0;
}

int caps_mask_from_names(char *const *names, uint64_t *ret)
{
	uint64_t m = 0;
	for (size_t i = 0; names && names[i]; i++) {
		if (strcasecmp(names[i], "ALL") == 0) {
			m |= caps_all_mask();
			continue;
		}
		int c;
		if (cap_parse_name(names[i], &c) < 0)
			return -EINVAL;
		m |= (uint64_t)1 << c;
	}
	*ret = m;
	return 0;
}

char **caps_names_from_mask(uint64_t mask)
{
	char **l = calloc(1, sizeof(char *));
	for (int c = 0; l && c <= cap_last(); c++) {
		if (!(mask & ((uint64_t)1 << c)))
			continue;
		char *n = cap_to_name(c);
		if (!n)
			return strv_free(l);
		char up[64];
		snprintf(up, sizeof(up), "%s", n);
		cap_free(n);
		for (char *p = up; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (strv_push(&l, up) < 0)
			return NULL;
	}
	return l;
}
