/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* An image's run defaults: the OCI image config's Entrypoint, Cmd, Env,
 * WorkingDir and User, read from the images.config column. User stays a
 * name here; `berth run` resolves it in the image's own /etc/passwd and
 * /etc/group (user.c). */

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "images.h"
#include "parse.h"
#include "util.h"

void image_defaults_done(ImageDefaults *d)
{
	strv_free(d->entrypoint);
	strv_free(d->cmd);
	strv_free(d->env);
	free(d->workdir);
	free(d->user);
	free(d->stop_signal);
	*d = (ImageDefaults){ 0 };
}

int strv_from_json(json_t *a, char ***ret)
{
	*ret = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return -EBADMSG;
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		if (!json_is_string(e))
			return -EBADMSG;
		int r = strv_push(&l, json_string_value(e));
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

static int string_from_json(json_t *s, char **ret)
{
	*ret = NULL;
	if (!s || json_is_null(s))
		return 0;
	if (!json_is_string(s))
		return -EBADMSG;
	if (!*json_string_value(s))
		return 0;
	*ret = strdup(json_string_value(s));
	return *ret ? 0 : -ENOMEM;
}

int image_defaults_parse(const char *json, ImageDefaults *ret)
{
	*ret = (ImageDefaults){ 0 };
	if (!json)
		return 0;
	json_t *j = json_loads(json, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return -EBADMSG;
	}
	ImageDefaults d = { 0 };
	int r = strv_from_json(json_object_get(j, "Entrypoint"), &d.entrypoint);
	if (r >= 0)
		r = strv_from_json(json_object_get(j, "Cmd"), &d.cmd);
	if (r >= 0)
		r = strv_from_json(json_object_get(j, "Env"), &d.env);
	if (r >= 0)
		r = string_from_json(json_object_get(j, "WorkingDir"), &d.workdir);
	if (r >= 0)
		r = string_from_json(json_object_get(j, "User"), &d.user);
	if (r >= 0)
		r = string_from_json(json_object_get(j, "StopSignal"), &d.stop_signal);
	json_decref(j);
	for (size_t i = 0; r >= 0 && d.env && d.env[i]; i++)
		if (!env_assignment_is_valid(d.env[i]))
			r = -EBADMSG;
	if (r < 0) {
		image_defaults_done(&d);
		return r;
	}
	*ret = d;
	return 0;
}
