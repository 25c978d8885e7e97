# SPDX-License-Identifier: Apache-2.0
"""bench/run's library: run-wide settings, processes and their accounting, the UDP receiver,
statistics, system facts, the collected rows and the RESULTS.md writer."""
