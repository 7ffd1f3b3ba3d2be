/* The raw C sd-bus baseline of sdbus's benchmarks (benches/calls.rs).
 *
 * Each workload is written the plain sd-bus way, as a C client would, and
 * runs `n` times inside C so that the Rust side makes one FFI call per timed
 * loop. Decoded data is copied out (strdup) and freed again, as sdbus copies
 * it into owned Rust values and drops them, so both sides do the same work.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; an error reply is reported on stderr once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#define SYSTEMD "org.freedesktop.systemd1"
#define MANAGER_PATH "/org/freedesktop/systemd1"
#define MANAGER "org.freedesktop.systemd1.Manager"
#define PROPERTIES "org.freedesktop.DBus.Properties"

/* A connection and the state its workloads keep between calls. */
struct cbase {
        sd_bus *bus;
        sd_bus_slot *job_removed;
        /* The job StartTransientUnit returned, until its JobRemoved comes. */
        char *waiting_job;
        int job_done;
        /* JobRemoved signals seen for units whose name starts with `prefix`. */
        const char *fleet_prefix;
        uint64_t fleet_done;
        uint64_t counter;
        /* Replies still expected by the pipelined workload. */
        uint64_t pending;
        int async_error;
        /* The length of the last version read by the pipelined workload. */
        int last_len;
};

static int report(const char *what, int r, const sd_bus_error *error) {
        if (error && sd_bus_error_is_set(error))
                fprintf(stderr, "cbase: %s: %s: %s\n", what, error->name, error->message);
        else
                fprintf(stderr, "cbase: %s: %s\n", what, strerror(-r));
        return r;
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct cbase *c = userdata;
        uint32_t id;
        const char *job, *unit, *result;
        (void) ret_error;

        if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        if (c->waiting_job && strcmp(job, c->waiting_job) == 0)
                c->job_done = 1;
        if (c->fleet_prefix && strncmp(unit, c->fleet_prefix, strlen(c->fleet_prefix)) == 0)
                c->fleet_done++;
        return 0;
}

/* Opens the user bus (direct = 0) or the user manager's private socket
 * (direct = 1) and adds a match for JobRemoved. The manager broadcasts
 * JobRemoved of a job to the bus when its client asked for the job, so
 * there is no Manager.Subscribe (which would add every unit's
 * PropertiesChanged, UnitNew and UnitRemoved to the traffic), as in
 * systemd-run --wait. */
struct cbase *cbase_open(int direct) {
        struct cbase *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return NULL;
        if (direct) {
                const char *runtime = getenv("XDG_RUNTIME_DIR");
                char *address = NULL;
                if (!runtime || asprintf(&address, "unix:path=%s/systemd/private", runtime) < 0)
                        goto fail;
                r = sd_bus_new(&c->bus);
                if (r >= 0)
                        r = sd_bus_set_address(c->bus, address);
                free(address);
                if (r >= 0)
                        r = sd_bus_start(c->bus);
        } else
                r = sd_bus_open_user(&c->bus);
        if (r < 0) {
                report("open", r, NULL);
                goto fail;
        }
        r = sd_bus_match_signal(c->bus, &c->job_removed, direct ? NULL : SYSTEMD, MANAGER_PATH,
                                MANAGER, "JobRemoved", on_job_removed, c);
        if (r < 0) {
                report("match JobRemoved", r, NULL);
                goto fail;
        }
        return c;
fail:
        sd_bus_slot_unref(c->job_removed);
        sd_bus_flush_close_unref(c->bus);
        free(c);
        return NULL;
}

void cbase_close(struct cbase *c) {
        if (!c)
                return;
        sd_bus_slot_unref(c->job_removed);
        sd_bus_flush_close_unref(c->bus);
        free(c->waiting_job);
        free(c);
}

/* Handles what other clients' work sent this connection (signals), until
 * nothing has come for 20 ms or for at most 5 s; returns the number of
 * messages processed. */
int cbase_drain(struct cbase *c) {
        int n = 0, r;
        for (int waits = 0; waits < 250; waits++) {
                while ((r = sd_bus_process(c->bus, NULL)) > 0)
                        n++;
                if (r < 0)
                        return report("process", r, NULL);
                r = sd_bus_wait(c->bus, 20000);
                if (r < 0 && r != -EINTR)
                        return report("wait", r, NULL);
                if (r == 0)
                        break;
        }
        return n;
}

/* ---- Peer.Ping to the bus driver ---------------------------------------- */

int cbase_ping(struct cbase *c, uint64_t n) {
        for (uint64_t i = 0; i < n; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                int r = sd_bus_call_method(c->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus.Peer", "Ping", &error, &reply, NULL);
                if (r < 0) {
                        report("Ping", r, &error);
                        sd_bus_error_free(&error);
                        return r;
                }
                sd_bus_message_unref(reply);
        }
        return 0;
}

/* ---- Properties.Get of the manager's Version ---------------------------- */

/* Returns the length of the last version read, as a check. */
int cbase_get_version(struct cbase *c, uint64_t n) {
        int len = 0;
        for (uint64_t i = 0; i < n; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                char *version = NULL;
                int r = sd_bus_get_property_string(c->bus, SYSTEMD, MANAGER_PATH, MANAGER, "Version",
                                                   &error, &version);
                if (r < 0) {
                        report("Get Version", r, &error);
                        sd_bus_error_free(&error);
                        return r;
                }
                len = (int) strlen(version);
                free(version);
        }
        return len;
}

/* ---- A generic decoded value, as sdbus's `Value` ------------------------ */

struct cval {
        char type; /* y b n q i u x t d s o g h a e(dict) r v */
        union {
                uint8_t y;
                int b;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
                char *str; /* s o g */
                int fd;    /* h */
                struct {
                        char *sig; /* element (a) or entry (e) signature */
                        struct cval *items; /* e: key, value, key, value, ... */
                        size_t len, cap;
                } c;
                struct cval *inner; /* v */
        };
};

static void cval_free(struct cval *v) {
        switch (v->type) {
        case 's': case 'o': case 'g':
                free(v->str);
                break;
        case 'h':
                close(v->fd);
                break;
        case 'a': case 'e': case 'r':
                for (size_t k = 0; k < v->c.len; k++)
                        cval_free(&v->c.items[k]);
                free(v->c.items);
                free(v->c.sig);
                break;
        case 'v':
                cval_free(v->inner);
                free(v->inner);
                break;
        }
}

/* A new, zeroed slot at the end of a container's items (growing by
 * doubling, as a Vec does). */
static struct cval *cval_push(struct cval *v) {
        if (v->c.len == v->c.cap) {
                size_t cap = v->c.cap ? v->c.cap * 2 : 4;
                struct cval *items = realloc(v->c.items, cap * sizeof(*items));
                if (!items)
                        return NULL;
                v->c.items = items;
                v->c.cap = cap;
        }
        struct cval *slot = &v->c.items[v->c.len++];
        memset(slot, 0, sizeof(*slot));
        return slot;
}

static int read_value(sd_bus_message *m, struct cval *out);

static int read_typed(sd_bus_message *m, char type, const char *contents, struct cval *out) {
        int r;
        out->type = type;
        switch (type) {
        case 'y': case 'n': case 'q': case 'i': case 'u': case 'x': case 't': case 'd': case 'b':
                r = sd_bus_message_read_basic(m, type, &out->t);
                return r < 0 ? r : 0;
        case 's': case 'o': case 'g': {
                const char *s;
                r = sd_bus_message_read_basic(m, type, &s);
                if (r < 0)
                        return r;
                out->str = strdup(s);
                return out->str ? 0 : -ENOMEM;
        }
        case 'h': {
                int fd;
                r = sd_bus_message_read_basic(m, 'h', &fd);
                if (r < 0)
                        return r;
                out->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                return out->fd < 0 ? -errno : 0;
        }
        case 'v':
                out->inner = calloc(1, sizeof(*out->inner));
                if (!out->inner)
                        return -ENOMEM;
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = read_value(m, out->inner);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        case 'r':
                r = sd_bus_message_enter_container(m, 'r', contents);
                if (r < 0)
                        return r;
                while ((r = sd_bus_message_at_end(m, 0)) == 0) {
                        struct cval *item = cval_push(out);
                        if (!item)
                                return -ENOMEM;
                        r = read_value(m, item);
                        if (r < 0)
                                return r;
                }
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        case 'a':
                break;
        default:
                return -EBADMSG;
        }

        /* Arrays. */
        size_t clen = strlen(contents);
        if (clen == 1 && strchr("ybnqiuxtd", contents[0])) {
                /* Fixed-size elements: one bulk read. */
                const void *data;
                size_t size, width;
                r = sd_bus_message_read_array(m, contents[0], &data, &size);
                if (r < 0)
                        return r;
                out->c.sig = strdup(contents);
                width = contents[0] == 'y' ? 1 : contents[0] == 'n' || contents[0] == 'q' ? 2
                        : contents[0] == 'i' || contents[0] == 'u' || contents[0] == 'b' ? 4 : 8;
                out->c.len = out->c.cap = size / width;
                out->c.items = out->c.len ? calloc(out->c.len, sizeof(struct cval)) : NULL;
                if (!out->c.sig || (out->c.len && !out->c.items))
                        return -ENOMEM;
                for (size_t k = 0; k < out->c.len; k++) {
                        out->c.items[k].type = contents[0];
                        memcpy(&out->c.items[k].t, (const char *) data + k * width, width);
                }
                return 0;
        }
        out->c.sig = strdup(contents);
        if (!out->c.sig)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;
        if (contents[0] == '{') {
                /* A dict: entries of key and value. */
                char entry[256];
                if (clen < 2 || clen - 2 >= sizeof(entry))
                        return -EBADMSG;
                memcpy(entry, contents + 1, clen - 2);
                entry[clen - 2] = 0;
                out->type = 'e';
                memmove(out->c.sig, entry, clen - 1);
                while ((r = sd_bus_message_enter_container(m, 'e', entry)) > 0) {
                        struct cval *key = cval_push(out), *value;
                        if (!key)
                                return -ENOMEM;
                        r = read_value(m, key);
                        if (r < 0)
                                return r;
                        value = cval_push(out);
                        if (!value)
                                return -ENOMEM;
                        r = read_value(m, value);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_exit_container(m);
                        if (r < 0)
                                return r;
                }
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        }
        /* Other elements: the type is known for single characters; peek at
         * each element otherwise. */
        while ((r = sd_bus_message_at_end(m, 0)) == 0) {
                struct cval *item = cval_push(out);
                if (!item)
                        return -ENOMEM;
                r = clen == 1 ? read_typed(m, contents[0], NULL, item) : read_value(m, item);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* Reads the next value, whatever its type. */
static int read_value(sd_bus_message *m, struct cval *out) {
        char type;
        const char *contents;
        int r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENXIO;
        return read_typed(m, type, contents, out);
}

/* ---- Properties.GetAll into a hash table of name -> value --------------- */

struct prop {
        char *name;
        struct cval value;
};

struct props {
        struct prop *slots; /* open addressing, power-of-two capacity */
        size_t len, cap;
};

static uint64_t hash_str(const char *s) {
        uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 0x100000001b3ULL;
        return h;
}

static void props_free(struct props *p) {
        for (size_t k = 0; k < p->cap; k++)
                if (p->slots[k].name) {
                        free(p->slots[k].name);
                        cval_free(&p->slots[k].value);
                }
        free(p->slots);
        memset(p, 0, sizeof(*p));
}

static int props_grow(struct props *p) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct prop *slots = calloc(cap, sizeof(*slots));
        if (!slots)
                return -ENOMEM;
        for (size_t k = 0; k < p->cap; k++)
                if (p->slots[k].name) {
                        size_t h = hash_str(p->slots[k].name) & (cap - 1);
                        while (slots[h].name)
                                h = (h + 1) & (cap - 1);
                        slots[h] = p->slots[k];
                }
        free(p->slots);
        p->slots = slots;
        p->cap = cap;
        return 0;
}

/* Inserts (taking ownership of name and value), replacing a duplicate. */
static int props_insert(struct props *p, char *name, struct cval *value) {
        if ((p->len + 1) * 8 > p->cap * 7) {
                int r = props_grow(p);
                if (r < 0)
                        return r;
        }
        size_t h = hash_str(name) & (p->cap - 1);
        while (p->slots[h].name) {
                if (strcmp(p->slots[h].name, name) == 0) {
                        free(p->slots[h].name);
                        cval_free(&p->slots[h].value);
                        p->len--;
                        break;
                }
                h = (h + 1) & (p->cap - 1);
        }
        p->slots[h].name = name;
        p->slots[h].value = *value;
        p->len++;
        return 0;
}

/* Decodes a GetAll reply (a{sv}) into `p`. */
static int decode_props(sd_bus_message *reply, struct props *p) {
        int r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *name;
                struct cval value = {0};
                char *owned;
                r = sd_bus_message_read_basic(reply, 's', &name);
                if (r < 0)
                        return r;
                owned = strdup(name);
                if (!owned)
                        return -ENOMEM;
                r = read_typed(reply, 'v', NULL, &value);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0) {
                        free(owned);
                        cval_free(&value);
                        return r;
                }
                r = props_insert(p, owned, &value);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

static int get_all_once(struct cbase *c, const char *path) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        struct props p = {0};
        int r = sd_bus_call_method(c->bus, SYSTEMD, path, PROPERTIES, "GetAll", &error, &reply, "s",
                                   "org.freedesktop.systemd1.Unit");
        if (r < 0) {
                report("GetAll", r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        r = decode_props(reply, &p);
        sd_bus_message_unref(reply);
        if (r >= 0)
                r = (int) p.len;
        else
                report("decode GetAll", r, NULL);
        props_free(&p);
        return r;
}

/* GetAll of the Unit interface of `path`, fully decoded, `n` times.
 * Returns the number of properties. */
int cbase_get_all(struct cbase *c, const char *path, uint64_t n) {
        int r = 0;
        for (uint64_t i = 0; i < n && r >= 0; i++)
                r = get_all_once(c, path);
        return r;
}

/* ---- ListUnits into an array of structs --------------------------------- */

struct unit_info {
        char *id, *description, *load_state, *active_state, *sub_state, *following, *unit_path;
        uint32_t job_id;
        char *job_type, *job_path;
};

static void unit_infos_free(struct unit_info *units, size_t len) {
        for (size_t k = 0; k < len; k++) {
                struct unit_info *u = &units[k];
                free(u->id); free(u->description); free(u->load_state); free(u->active_state);
                free(u->sub_state); free(u->following); free(u->unit_path); free(u->job_type);
                free(u->job_path);
        }
        free(units);
}

/* Calls ListUnits and decodes it into a new array; returns its length. */
static int list_units(struct cbase *c, struct unit_info **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        struct unit_info *units = NULL;
        size_t len = 0, cap = 0;
        int r = sd_bus_call_method(c->bus, SYSTEMD, MANAGER_PATH, MANAGER, "ListUnits", &error,
                                   &reply, NULL);
        if (r < 0) {
                report("ListUnits", r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        while (r >= 0) {
                const char *id, *description, *load, *active, *sub, *following, *path, *jtype, *jpath;
                uint32_t job_id;
                r = sd_bus_message_read(reply, "(ssssssouso)", &id, &description, &load, &active, &sub,
                                        &following, &path, &job_id, &jtype, &jpath);
                if (r <= 0)
                        break;
                if (len == cap) {
                        size_t ncap = cap ? cap * 2 : 4;
                        struct unit_info *grown = realloc(units, ncap * sizeof(*grown));
                        if (!grown) {
                                r = -ENOMEM;
                                break;
                        }
                        units = grown;
                        cap = ncap;
                }
                units[len++] = (struct unit_info) {
                        .id = strdup(id), .description = strdup(description), .load_state = strdup(load),
                        .active_state = strdup(active), .sub_state = strdup(sub),
                        .following = strdup(following), .unit_path = strdup(path), .job_id = job_id,
                        .job_type = strdup(jtype), .job_path = strdup(jpath),
                };
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        sd_bus_message_unref(reply);
        if (r < 0) {
                report("decode ListUnits", r, NULL);
                unit_infos_free(units, len);
                return r;
        }
        *ret = units;
        return (int) len;
}

/* ListUnits decoded, `n` times. Returns the number of units. */
int cbase_list_units(struct cbase *c, uint64_t n) {
        int r = 0;
        for (uint64_t i = 0; i < n && r >= 0; i++) {
                struct unit_info *units = NULL;
                r = list_units(c, &units);
                if (r >= 0)
                        unit_infos_free(units, (size_t) r);
        }
        return r;
}

/* ---- Build and seal a call with a 64-entry a{sv} (no I/O) --------------- */

/* The entries: key "KeyNN", values cycling through s, u, b, t. */
int cbase_build_seal(struct cbase *c, uint64_t n) {
        static char keys[64][8];
        static const char *const strings[4] = {"alpha", "beta", "gamma", "delta"};
        for (int k = 0; k < 64; k++)
                snprintf(keys[k], sizeof(keys[k]), "Key%02d", k);

        for (uint64_t i = 0; i < n; i++) {
                sd_bus_message *m = NULL;
                int r = sd_bus_message_new_method_call(c->bus, &m, SYSTEMD, MANAGER_PATH,
                                                       "com.example.Bench", "Set");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "{sv}");
                for (int k = 0; k < 64 && r >= 0; k++) {
                        r = sd_bus_message_open_container(m, 'e', "sv");
                        if (r < 0)
                                break;
                        r = sd_bus_message_append_basic(m, 's', keys[k]);
                        if (r < 0)
                                break;
                        switch (k % 4) {
                        case 0:
                                r = sd_bus_message_append(m, "v", "s", strings[k / 4 % 4]);
                                break;
                        case 1:
                                r = sd_bus_message_append(m, "v", "u", (uint32_t) k);
                                break;
                        case 2:
                                r = sd_bus_message_append(m, "v", "b", k % 8 == 2);
                                break;
                        default:
                                r = sd_bus_message_append(m, "v", "t", (uint64_t) k << 32);
                        }
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_seal(m, i + 1, 0);
                sd_bus_message_unref(m);
                if (r < 0)
                        return report("build", r, NULL);
        }
        return 0;
}

/* ---- Pipelined Properties.Get: `batch` calls in flight ------------------ */

static int on_version(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct cbase *c = userdata;
        const char *version;
        (void) ret_error;
        c->pending--;
        if (sd_bus_message_is_method_error(m, NULL)) {
                c->async_error = -EIO;
                return 0;
        }
        int r = sd_bus_message_read(m, "v", "s", &version);
        if (r < 0) {
                c->async_error = r;
                return 0;
        }
        char *copy = strdup(version);
        if (!copy)
                c->async_error = -ENOMEM;
        else
                c->last_len = (int) strlen(copy);
        free(copy);
        return 0;
}

static int process_until(struct cbase *c, int (*done)(struct cbase *)) {
        while (!done(c)) {
                int r = sd_bus_process(c->bus, NULL);
                if (r < 0)
                        return report("process", r, NULL);
                if (r > 0)
                        continue;
                r = sd_bus_wait(c->bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return report("wait", r, NULL);
        }
        return 0;
}

static int no_pending(struct cbase *c) {
        return c->pending == 0;
}

/* `rounds` times: sends `batch` Gets of Version, then processes until every
 * reply arrived. Returns the length of the last version read. */
int cbase_pipelined_get(struct cbase *c, uint64_t batch, uint64_t rounds) {
        for (uint64_t i = 0; i < rounds; i++) {
                c->async_error = 0;
                for (uint64_t k = 0; k < batch; k++) {
                        /* A floating slot: sd-bus frees it with the reply. */
                        int r = sd_bus_call_method_async(c->bus, NULL, SYSTEMD, MANAGER_PATH, PROPERTIES,
                                                         "Get", on_version, c, "ss", MANAGER, "Version");
                        if (r < 0)
                                return report("Get (async)", r, NULL);
                        c->pending++;
                }
                int r = process_until(c, no_pending);
                if (r < 0)
                        return r;
                if (c->async_error < 0)
                        return report("pipelined reply", c->async_error, NULL);
        }
        return c->last_len;
}

/* ---- StartTransientUnit ------------------------------------------------- */

/* Appends StartTransientUnit's arguments for a service running `argv[0]`.
 * With `remain`, a oneshot that stays active after it exits (the fleet). */
static int append_transient(sd_bus_message *m, const char *name, const char *exec, int remain) {
        int r = sd_bus_message_append(m, "ss", name, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)", "Description", "s", "sdbus benchmark");
        if (r >= 0 && remain)
                r = sd_bus_message_append(m, "(sv)(sv)", "Type", "s", "oneshot", "RemainAfterExit", "b", 1);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append_basic(m, 's', "ExecStart");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "a(sasb)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sasb)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sasb)", exec, 1, exec, 0);
        for (int k = 0; k < 4 && r >= 0; k++)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        return r;
}

static int job_finished(struct cbase *c) {
        return c->job_done;
}

/* `n` times: starts a transient service running /bin/true and waits for its
 * start job's JobRemoved. */
int cbase_transient(struct cbase *c, uint64_t n) {
        for (uint64_t i = 0; i < n; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *m = NULL, *reply = NULL;
                const char *job;
                char name[64];
                snprintf(name, sizeof(name), "cbase-%d-%" PRIu64 ".service", (int) getpid(), ++c->counter);
                int r = sd_bus_message_new_method_call(c->bus, &m, SYSTEMD, MANAGER_PATH, MANAGER,
                                                       "StartTransientUnit");
                if (r >= 0)
                        r = append_transient(m, name, "/bin/true", 0);
                if (r >= 0)
                        r = sd_bus_call(c->bus, m, 0, &error, &reply);
                sd_bus_message_unref(m);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "o", &job);
                if (r >= 0) {
                        free(c->waiting_job);
                        c->waiting_job = strdup(job);
                        c->job_done = 0;
                        r = c->waiting_job ? 0 : -ENOMEM;
                }
                sd_bus_message_unref(reply);
                if (r < 0) {
                        report("StartTransientUnit", r, &error);
                        sd_bus_error_free(&error);
                        return r;
                }
                r = process_until(c, job_finished);
                free(c->waiting_job);
                c->waiting_job = NULL;
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- The fleet: many loaded units --------------------------------------- */

static int on_started(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct cbase *c = userdata;
        (void) ret_error;
        c->pending--;
        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);
                report("StartTransientUnit (fleet)", -EIO, e);
                c->async_error = -EIO;
        }
        return 0;
}

static uint64_t fleet_target;

static int fleet_complete(struct cbase *c) {
        return c->pending == 0 && c->fleet_done >= fleet_target;
}

/* Creates `n` transient oneshot services named `prefix`N.service that stay
 * active (RemainAfterExit) without a process, with at most `window` calls
 * in flight; returns when all their start jobs are done. */
int cbase_fleet_create(struct cbase *c, const char *prefix, uint64_t n, uint64_t window) {
        c->fleet_prefix = prefix;
        c->fleet_done = 0;
        c->async_error = 0;
        fleet_target = 0;
        for (uint64_t i = 0; i < n; i++) {
                sd_bus_message *m = NULL;
                char name[128];
                snprintf(name, sizeof(name), "%s%" PRIu64 ".service", prefix, i);
                int r = sd_bus_message_new_method_call(c->bus, &m, SYSTEMD, MANAGER_PATH, MANAGER,
                                                       "StartTransientUnit");
                if (r >= 0)
                        r = append_transient(m, name, "/bin/true", 1);
                if (r >= 0)
                        r = sd_bus_call_async(c->bus, NULL, m, on_started, c, 0);
                sd_bus_message_unref(m);
                if (r < 0)
                        return report("fleet StartTransientUnit", r, NULL);
                c->pending++;
                fleet_target++;
                if (c->pending >= window) {
                        while (c->pending >= window / 2) {
                                r = sd_bus_process(c->bus, NULL);
                                if (r < 0)
                                        return report("process", r, NULL);
                                if (r == 0)
                                        sd_bus_wait(c->bus, UINT64_MAX);
                        }
                }
        }
        int r = process_until(c, fleet_complete);
        c->fleet_prefix = NULL;
        if (r < 0)
                return r;
        return c->async_error;
}

/* ListUnits, then GetAll of the Unit interface of every unit listed, one
 * call after the other, `n` times. Returns the number of units. */
int cbase_fleet_snapshot(struct cbase *c, uint64_t n) {
        int r = 0;
        for (uint64_t i = 0; i < n && r >= 0; i++) {
                struct unit_info *units = NULL;
                int len = list_units(c, &units);
                if (len < 0)
                        return len;
                for (int k = 0; k < len && r >= 0; k++)
                        r = get_all_once(c, units[k].unit_path);
                unit_infos_free(units, (size_t) len);
                if (r >= 0)
                        r = len;
        }
        return r;
}

/* ---- Run a command in a transient service and wait for its end ---------- */

/* What `systemd-run --wait` does, without its polling: matches for the
 * unit's PropertiesChanged and the manager's JobRemoved (sent without
 * waiting: the bus daemon handles them before the call that follows),
 * StartTransientUnit with AddRef=yes (which makes the manager send the
 * unit's signals to the bus without Manager.Subscribe), the signals until
 * the unit ran and is inactive, GetAll of its final properties (the ones an
 * outcome needs are read, the others skipped), and Unref (not waited for:
 * its failure would change nothing). */
struct run_state {
        char *job;
        int job_done;
        int started;
        int has_job;
        int inactive;
        int failed_install;
};

/* The outcome of a run, as sdbus's RunOutcome holds it. */
struct run_outcome {
        char *result;
        int32_t code, status;
        uint32_t main_pid;
        uint64_t inactive_exit, inactive_enter, cpu_nsec;
        uint64_t io_read, io_write, ip_in, ip_out, memory_peak;
};

static int on_match_installed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct run_state *s = userdata;
        (void) ret_error;
        if (sd_bus_message_is_method_error(m, NULL)) {
                report("AddMatch", -EIO, sd_bus_message_get_error(m));
                s->failed_install = 1;
        }
        return 0;
}

static int on_run_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct run_state *s = userdata;
        uint32_t id;
        const char *job, *unit, *result;
        (void) ret_error;
        if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        if (s->job && strcmp(job, s->job) == 0) {
                s->job_done = 1;
                s->started = 1;
        }
        return 0;
}

static int on_unit_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct run_state *s = userdata;
        const char *interface;
        int r;
        (void) ret_error;
        r = sd_bus_message_read(m, "s", &interface);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *text;
                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        break;
                if (strcmp(key, "ActiveState") == 0) {
                        r = sd_bus_message_read(m, "v", "s", &text);
                        if (r >= 0) {
                                s->inactive = strcmp(text, "inactive") == 0 || strcmp(text, "failed") == 0;
                                s->started |= !s->inactive;
                        }
                } else if (strcmp(key, "Job") == 0) {
                        uint32_t id;
                        const char *path;
                        r = sd_bus_message_read(m, "v", "(uo)", &id, &path);
                        if (r >= 0) {
                                s->has_job = id != 0;
                                s->started |= s->has_job;
                        }
                } else if (strcmp(key, "InactiveExitTimestampMonotonic") == 0) {
                        uint64_t t;
                        r = sd_bus_message_read(m, "v", "t", &t);
                        if (r >= 0)
                                s->started |= t > 0;
                } else
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        return 0;
}

static struct run_state *run_current;

static int run_finished(struct cbase *c) {
        (void) c;
        return run_current->failed_install ||
               (run_current->job_done && run_current->started && !run_current->has_job &&
                run_current->inactive);
}

/* Reads the outcome's properties from a GetAll reply, skipping the rest. */
static int read_outcome(sd_bus_message *m, struct run_outcome *o) {
        int r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *text;
                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        break;
                uint64_t *counter = strcmp(key, "InactiveExitTimestampMonotonic") == 0 ? &o->inactive_exit
                        : strcmp(key, "InactiveEnterTimestampMonotonic") == 0 ? &o->inactive_enter
                        : strcmp(key, "CPUUsageNSec") == 0 ? &o->cpu_nsec
                        : strcmp(key, "IOReadBytes") == 0 ? &o->io_read
                        : strcmp(key, "IOWriteBytes") == 0 ? &o->io_write
                        : strcmp(key, "IPIngressBytes") == 0 ? &o->ip_in
                        : strcmp(key, "IPEgressBytes") == 0 ? &o->ip_out
                        : strcmp(key, "MemoryPeak") == 0 ? &o->memory_peak
                        : NULL;
                if (counter)
                        r = sd_bus_message_read(m, "v", "t", counter);
                else if (strcmp(key, "Result") == 0) {
                        r = sd_bus_message_read(m, "v", "s", &text);
                        if (r >= 0) {
                                free(o->result);
                                o->result = strdup(text);
                        }
                } else if (strcmp(key, "ExecMainCode") == 0)
                        r = sd_bus_message_read(m, "v", "i", &o->code);
                else if (strcmp(key, "ExecMainStatus") == 0)
                        r = sd_bus_message_read(m, "v", "i", &o->status);
                else if (strcmp(key, "ExecMainPID") == 0)
                        r = sd_bus_message_read(m, "v", "u", &o->main_pid);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r;
}

/* Appends StartTransientUnit's arguments for `run_wait`: what sdbus's
 * `transient::Run` sends for `/bin/true`. */
static int append_run(sd_bus_message *m, const char *name) {
        int r = sd_bus_message_append(m, "ss", name, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)", "Description", "s", "/bin/true", "AddRef", "b", 1);
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)", "ExecStart", "a(sasb)", 1, "/bin/true", 1, "/bin/true", 0);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        return r;
}

static int run_once(struct cbase *c, struct run_outcome *o) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_slot *changes = NULL, *jobs = NULL;
        struct run_state s = { 0 };
        char name[64], *path = NULL;
        const char *job;
        const char *what = "path";
        int r;

        snprintf(name, sizeof(name), "cbase-run-%d-%" PRIu64 ".service", (int) getpid(), ++c->counter);
        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", name, &path);
        if (r >= 0) {
                what = "match";
                r = sd_bus_match_signal_async(c->bus, &changes, SYSTEMD, path, PROPERTIES, "PropertiesChanged",
                                              on_unit_changed, on_match_installed, &s);
        }
        if (r >= 0)
                r = sd_bus_match_signal_async(c->bus, &jobs, SYSTEMD, MANAGER_PATH, MANAGER, "JobRemoved",
                                              on_run_job_removed, on_match_installed, &s);
        if (r >= 0) {
                what = "StartTransientUnit";
                r = sd_bus_message_new_method_call(c->bus, &m, SYSTEMD, MANAGER_PATH, MANAGER,
                                                   "StartTransientUnit");
        }
        if (r >= 0)
                r = append_run(m, name);
        if (r >= 0)
                r = sd_bus_call(c->bus, m, 0, &error, &reply);
        m = sd_bus_message_unref(m);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &job);
        if (r >= 0) {
                s.job = strdup(job);
                r = s.job ? 0 : -ENOMEM;
        }
        reply = sd_bus_message_unref(reply);
        if (r >= 0) {
                what = "wait";
                run_current = &s;
                r = process_until(c, run_finished);
                run_current = NULL;
                if (r >= 0 && s.failed_install)
                        r = -EIO;
        }
        if (r >= 0) {
                what = "GetAll";
                r = sd_bus_call_method(c->bus, SYSTEMD, path, PROPERTIES, "GetAll", &error, &reply, "s", "");
        }
        if (r >= 0)
                r = read_outcome(reply, o);
        reply = sd_bus_message_unref(reply);
        if (r >= 0) {
                what = "Unref";
                r = sd_bus_call_method_async(c->bus, NULL, SYSTEMD, path, "org.freedesktop.systemd1.Unit",
                                             "Unref", NULL, NULL, NULL);
        }
        if (r < 0)
                report(what, r, &error);
        sd_bus_error_free(&error);
        sd_bus_slot_unref(changes);
        sd_bus_slot_unref(jobs);
        free(s.job);
        free(path);
        return r;
}

/* `n` times: runs /bin/true in a transient service and waits for its
 * outcome. Returns the exit status of the last run. */
int cbase_run_wait(struct cbase *c, uint64_t n) {
        int status = 0;
        for (uint64_t i = 0; i < n; i++) {
                struct run_outcome o = { 0 };
                int r = run_once(c, &o);
                if (r >= 0 && (!o.result || strcmp(o.result, "success") != 0 || o.code != 1))
                        r = report("run outcome", -EPROTO, NULL);
                status = o.status;
                free(o.result);
                if (r < 0)
                        return r;
        }
        return status;
}
