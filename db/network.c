/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db-internal.h"
#include "network.h"
#include "util.h"

void network_row_done(NetworkRow *n)
{
	free(n->id);
	free(n->name);
	free(n->driver);
	free(n->interface);
	free(n->subnet);
	free(n->gateway);
	free(n->labels);
	free(n->created_at);
	*n = (NetworkRow){ 0 };
}

void network_rows_free(NetworkRow *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		network_row_done(&rows[i]);
	free(rows);
}

void network_attachments_free(NetworkAttachment *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++) {
		free(a[i].container_id);
		free(a[i].network_id);
		free(a[i].network_name);
		free(a[i].interface);
		free(a[i].ip);
		free(a[i].mac);
	}
	free(a);
}

#define NETWORK_COLUMNS \
	"id, name, driver, interface, subnet, gateway, internal, dns_enabled, labels, created_at"

static int network_from_stmt(sqlite3_stmt *st, NetworkRow *n)
{
	*n = (NetworkRow){
		.id = db_column_strdup(st, 0),
		.name = db_column_strdup(st, 1),
		.driver = db_column_strdup(st, 2),
		.interface = db_column_strdup(st, 3),
		.subnet = db_column_strdup(st, 4),
		.gateway = db_column_strdup(st, 5),
		.internal = sqlite3_column_int(st, 6) != 0,
		.dns_enabled = sqlite3_column_int(st, 7) != 0,
		.labels = db_column_strdup(st, 8),
		.created_at = db_column_strdup(st, 9),
	};
	if (!n->id || !n->name || !n->driver || !n->interface || !n->subnet || !n->gateway ||
	    !n->labels || !n->created_at) {
		network_row_done(n);
		return -ENOMEM;
	}
	return 0;
}

int db_network_insert(sqlite3 *db, const NetworkRow *n)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "INSERT INTO networks (" NETWORK_COLUMNS ") "
				    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->driver ? n->driver : "bridge", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, n->interface, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, n->subnet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, n->gateway, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, n->internal);
	sqlite3_bind_int(st, 8, n->dns_enabled);
	sqlite3_bind_text(st, 9, n->labels ? n->labels : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, n->created_at, -1, SQLITE_STATIC);
	rc = db_step_write(db, st);
	if (rc == SQLITE_CONSTRAINT) {
		const char *m = sqlite3_errmsg(db);
		if (strstr(m, "networks.name") || strstr(m, "networks.id"))
			return -EEXIST;
		if (strstr(m, "networks.subnet"))
			return -EADDRINUSE;
		if (strstr(m, "networks.interface"))
			return -EBUSY;
	}
	return rc == SQLITE_DONE ? 0 : db_errno(db, rc);
}

static int network_get_one(sqlite3 *db, const char *sql, const char *a, const char *b,
			   NetworkRow *ret, size_t *ret_n)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	size_t n = 0;
	NetworkRow first = { 0 };
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0) {
			int r = network_from_stmt(st, &first);
			if (r < 0)
				return r;
		}
	}
	if (rc != SQLITE_DONE) {
		network_row_done(&first);
		return db_errno(db, rc);
	}
	*ret_n = n;
	if (n == 1)
		*ret = first;
	else
		network_row_done(&first);
	return 0;
}

int db_network_lookup(sqlite3 *db, const char *key, NetworkRow *ret)
{
	size_t n;
	int r = network_get_one(db, "SELECT " NETWORK_COLUMNS " FROM networks WHERE name = ?1", key,
				NULL, ret, &n);
	if (r < 0 || n == 1)
		return r;
	/* An id prefix: ids are lowercase hex. */
	if (strlen(key) > 64 || strspn(key, "0123456789abcdef") != strlen(key))
		return -ENOENT;
	char upper[80];
	snprintf(upper, sizeof(upper), "%sg", key);
	r = network_get_one(db,
			    "SELECT " NETWORK_COLUMNS " FROM networks "
			    "WHERE id >= ?1 AND id < ?2 LIMIT 2",
			    key, upper, ret, &n);
	if (r < 0)
		return r;
	return n == 0 ? -ENOENT : n > 1 ? -ENOTUNIQ : 0;
}

int db_network_list(sqlite3 *db, NetworkRow **ret, size_t *ret_n)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT " NETWORK_COLUMNS " FROM networks ORDER BY name",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	NetworkRow *rows = NULL;
	size_t n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		NetworkRow *m = realloc(rows, (n + 1) * sizeof(*rows));
		if (!m || network_from_stmt(st, &m[n]) < 0) {
			network_rows_free(m ? m : rows, n);
			return -ENOMEM;
		}
		rows = m;
		n++;
	}
	if (rc != SQLITE_DONE) {
		network_rows_free(rows, n);
		return db_errno(db, rc);
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

int db_network_delete(sqlite3 *db, const char *id)
{
	/* Only a network no container is attached to, in one statement: a
	 * `run` that attaches one meanwhile either comes first (and this
	 * deletes nothing) or finds the network gone. */
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "DELETE FROM networks WHERE id = ?1 AND NOT EXISTS "
				    "(SELECT 1 FROM container_networks WHERE network_id = ?1)",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = db_step_write(db, st);
	if (rc != SQLITE_DONE)
		return db_errno(db, rc);
	if (sqlite3_changes(db) > 0)
		return 0;
	/* Gone already, or in use. */
	NetworkRow n;
	size_t count;
	int r = network_get_one(db, "SELECT " NETWORK_COLUMNS " FROM networks WHERE id = ?1", id,
				NULL, &n, &count);
	if (r < 0)
		return r;
	if (count == 1)
		network_row_done(&n);
	return count ? -EBUSY : -ENOENT;
}

#define ATTACHMENT_SELECT                                                        \
	"SELECT a.container_id, a.network_id, n.name, a.interface, a.ip, a.mac " \
	"FROM container_networks AS a JOIN networks AS n ON n.id = a.network_id "

static int attachments_from(sqlite3 *db, const char *sql, const char *key, NetworkAttachment **ret,
			    size_t *ret_n)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	NetworkAttachment *a = NULL;
	size_t n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		NetworkAttachment *m = realloc(a, (n + 1) * sizeof(*a));
		if (!m) {
			network_attachments_free(a, n);
			return -ENOMEM;
		}
		a = m;
		a[n] = (NetworkAttachment){
			.container_id = db_column_strdup(st, 0),
			.network_id = db_column_strdup(st, 1),
			.network_name = db_column_strdup(st, 2),
			.interface = db_column_strdup(st, 3),
			.ip = db_column_strdup(st, 4),
			.mac = db_column_strdup(st, 5),
		};
		n++;
		if (!a[n - 1].container_id || !a[n - 1].network_id || !a[n - 1].network_name ||
		    !a[n - 1].interface || !a[n - 1].ip || !a[n - 1].mac) {
			network_attachments_free(a, n);
			return -ENOMEM;
		}
	}
	if (rc != SQLITE_DONE) {
		network_attachments_free(a, n);
		return db_errno(db, rc);
	}
	*ret = a;
	*ret_n = n;
	return 0;
}

int db_container_networks(sqlite3 *db, const char *container_id, NetworkAttachment **ret,
			  size_t *ret_n)
{
	return attachments_from(db,
				ATTACHMENT_SELECT "WHERE a.container_id = ?1 ORDER BY a.interface",
				container_id, ret, ret_n);
}

int db_network_attachments(sqlite3 *db, const char *network_id, NetworkAttachment **ret,
			   size_t *ret_n)
{
	return attachments_from(db, ATTACHMENT_SELECT "WHERE a.network_id = ?1 ORDER BY a.ip",
				network_id, ret, ret_n);
}

int db_container_ports(sqlite3 *db, const char *container_id, PortMapping **ret, size_t *ret_n)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT host_ip, host_port, container_port, protocol "
				    "FROM container_ports WHERE container_id = ?1 "
				    "ORDER BY protocol, host_port",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	PortMapping *p = NULL;
	size_t n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		PortMapping *m = realloc(p, (n + 1) * sizeof(*p));
		if (!m) {
			free(p);
			return -ENOMEM;
		}
		p = m;
		p[n] = (PortMapping){ .host_port = (uint16_t)sqlite3_column_int(st, 1),
				      .container_port = (uint16_t)sqlite3_column_int(st, 2) };
		snprintf(p[n].host_ip, sizeof(p[n].host_ip), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		snprintf(p[n].protocol, sizeof(p[n].protocol), "%s",
			 (const char *)sqlite3_column_text(st, 3));
		n++;
	}
	if (rc != SQLITE_DONE) {
		free(p);
		return db_errno(db, rc);
	}
	*ret = p;
	*ret_n = n;
	return 0;
}

/* Addresses past this many from the start of a subnet are never given:
 * the used ones are looked up in a bitmap of this size. */
#define IPAM_MAX_HOSTS 65536

/* The first address of network_id's subnet that no container has and that
 * is not the network's, its gateway or its broadcast address. */
static int allocate_ip(sqlite3 *db, const char *network_id, uint32_t net, unsigned prefix,
		       uint32_t gateway, uint32_t *ret)
{
	uint64_t size = UINT64_C(1) << (32 - prefix);
	uint32_t hosts = size > IPAM_MAX_HOSTS ? IPAM_MAX_HOSTS : (uint32_t)size;
	_cleanup_free_ uint8_t *used = calloc(hosts / 8 + 1, 1);
	if (!used)
		return -ENOMEM;
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT ip FROM container_networks WHERE network_id = ?1",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t a;
		if (ipv4_parse((const char *)sqlite3_column_text(st, 0), &a) < 0 ||
		    !ipv4_in_subnet(a, net, prefix) || a - net >= hosts)
			continue;
		used[(a - net) / 8] |= (uint8_t)(1u << ((a - net) % 8));
	}
	if (rc != SQLITE_DONE)
		return db_errno(db, rc);
	for (uint32_t off = 1; off < hosts; off++) {
		uint32_t a = net + off;
		if (off == size - 1 || a == gateway || used[off / 8] & (1u << (off % 8)))
			continue;
		*ret = a;
		return 0;
	}
	return -ERANGE;
}

static int insert_attachment(sqlite3 *db, const char *container_id, NetworkAttachment *a)
{
	NetworkRow n;
	size_t count;
	int r = network_get_one(db, "SELECT " NETWORK_COLUMNS " FROM networks WHERE id = ?1",
				a->network_id, NULL, &n, &count);
	if (r < 0)
		return r;
	if (count == 0)
		return -ENOENT; /* removed meanwhile */
	uint32_t net, gateway, ip = 0;
	unsigned prefix;
	r = ipv4_parse_cidr(n.subnet, &net, &prefix);
	if (r >= 0)
		r = ipv4_parse(n.gateway, &gateway);
	network_row_done(&n);
	if (r < 0)
		return -EBADMSG;
	if (!a->ip) {
		r = allocate_ip(db, a->network_id, net, prefix, gateway, &ip);
		if (r < 0)
			return r;
		char s[16];
		ipv4_format(ip, s);
		a->ip = strdup(s);
		if (!a->ip)
			return -ENOMEM;
		a->ip_allocated = true;
	}
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "INSERT INTO container_networks (container_id, network_id, "
				    "interface, ip, mac) VALUES (?1, ?2, ?3, ?4, ?5)",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->interface, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->mac, -1, SQLITE_STATIC);
	rc = db_step_write(db, st);
	if (rc == SQLITE_CONSTRAINT && strstr(sqlite3_errmsg(db), "container_networks.ip"))
		return -EADDRNOTAVAIL;
	return rc == SQLITE_DONE ? 0 : db_errno(db, rc);
}

static int insert_port(sqlite3 *db, const char *container_id, const PortMapping *p)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc =
		sqlite3_prepare_v2(db,
				   "INSERT INTO container_ports (container_id, host_ip, host_port, "
				   "container_port, protocol) VALUES (?1, ?2, ?3, ?4, ?5)",
				   -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->host_ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, p->host_port);
	sqlite3_bind_int(st, 4, p->container_port);
	sqlite3_bind_text(st, 5, p->protocol, -1, SQLITE_STATIC);
	rc = db_step_write(db, st);
	if (rc == SQLITE_CONSTRAINT)
		return -ENOTUNIQ; /* the same port twice */
	return rc == SQLITE_DONE ? 0 : db_errno(db, rc);
}

/* Inserts the container c (when not NULL) and the attachments and ports
 * of container id, in one transaction. */
static int insert_networked(sqlite3 *db, const ContainerRow *c, const char *id,
			    NetworkAttachment *a, size_t n, const PortMapping *ports,
			    size_t n_ports, size_t *ret_failed)
{
	int r = db_begin(db);
	if (r < 0)
		return r;
	size_t failed = 0;
	if (c)
		r = db_container_insert(db, c);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		failed = i;
		r = insert_attachment(db, id, &a[i]);
	}
	for (size_t i = 0; r >= 0 && i < n_ports; i++) {
		failed = i;
		r = insert_port(db, id, &ports[i]);
	}
	if (r >= 0)
		r = db_commit(db);
	else
		db_rollback(db);
	if (r < 0) {
		/* Addresses given here were never stored. */
		for (size_t i = 0; i < n; i++)
			if (a[i].ip_allocated) {
				free(a[i].ip);
				a[i].ip = NULL;
			}
		if (ret_failed)
			*ret_failed = failed;
	}
	return r;
}

int db_container_insert_networked(sqlite3 *db, const ContainerRow *c, NetworkAttachment *a,
				  size_t n, const PortMapping *ports, size_t n_ports,
				  size_t *ret_failed)
{
	return insert_networked(db, c, c->id, a, n, ports, n_ports, ret_failed);
}

int db_container_attach(sqlite3 *db, const char *id, NetworkAttachment *a, size_t n,
			const PortMapping *ports, size_t n_ports, size_t *ret_failed)
{
	return insert_networked(db, NULL, id, a, n, ports, n_ports, ret_failed);
}

int db_networks_in_use(sqlite3 *db)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT EXISTS (SELECT 1 FROM container_networks)", -1, &st,
				    NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return db_errno(db, rc);
	return sqlite3_column_int(st, 0) ? 1 : 0;
}
