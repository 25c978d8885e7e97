/* The start-up /proc scan: processes older than procship, as records for the sensor's
 * callback. */
#ifndef PROCSHIP_PROCFS_H
#define PROCSHIP_PROCFS_H

#include "shipper/capture/sensor.h"

/* Emit one PS_EVENT_EXEC record per process in /proc (procroot, normally "/proc"), parents
 * before children where /proc order allows. ktime/start_ktime come from field 22 of
 * /proc/PID/stat. Returns the number of processes seen. */
int procfs_scan(const char *procroot, sensor_record_fn *cb, void *arg);

#endif
