# SPDX-License-Identifier: Apache-2.0
"""bench/run's cases, one module each; every case adds its rows to lib.results."""
