/* Input for bindgen: everything libsystemd-sys binds comes from these headers. */
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
