version=2
# SPDX-License-Identifier: Apache-2.0
# cron job starts (Debian/Vixie cron: "(USER) CMD (COMMAND)", the MSG after "CRON[PID]: ").
# Fields: user, command.
#
# liblognorm has no parser that stops at the last ")" of a line, so the first rule covers
# commands without ")" and the second one, for commands that hold a ")" themselves (Debian's
# "test -x /usr/sbin/anacron || ( cd / && run-parts ... )"), keeps the text up to the end of
# the line in command_raw: it still ends with cron's closing ")".

rule=cron,command:(%user:char-to:)%) CMD (%command:char-to:)%)
rule=cron,command:(%user:char-to:)%) CMD (%command_raw:rest%
