version=2
# SPDX-License-Identifier: Apache-2.0
# sudo command log lines (the MSG after "sudo: "). sudo pads the user name to 8 columns
# ("%8s : ..."), so each rule exists with and without leading blanks.
# Fields: user, tty (absent without a terminal), pwd, target_user, command; reason when sudo
# refused or warned ("3 incorrect password attempts", "user NOT in sudoers", ...).
#
# Every combination is spelled out rather than shared through a user-defined type: liblognorm
# 2.0.6 leaks the partial result of a type=@... each time a rule using one fails later in the
# line.

rule=sudo,command:%user:word% : TTY=%tty:word% ; PWD=%pwd:string-to: ;% ; USER=%target_user:word% ; COMMAND=%command:rest%
rule=sudo,command,refused:%user:word% : %reason:string-to: ;% ; TTY=%tty:word% ; PWD=%pwd:string-to: ;% ; USER=%target_user:word% ; COMMAND=%command:rest%
rule=sudo,command:%user:word% : PWD=%pwd:string-to: ;% ; USER=%target_user:word% ; COMMAND=%command:rest%
rule=sudo,command,refused:%user:word% : %reason:string-to: ;% ; PWD=%pwd:string-to: ;% ; USER=%target_user:word% ; COMMAND=%command:rest%
rule=sudo,command:%-:whitespace%%user:word% : TTY=%tty:word% ; PWD=%pwd:string-to: ;% ; USER=%target_user:word% ; COMMAND=%command:rest%
rule=sudo,command,refused:%-:whitespace%%user:word% : %reason:string-to: ;% ; TTY=%tty:word% ; PWD=%pwd:string-to: ;% ; USER=%target_user:word% ; COMMAND=%command:rest%
rule=sudo,command:%-:whitespace%%user:word% : PWD=%pwd:string-to: ;% ; USER=%target_user:word% ; COMMAND=%command:rest%
rule=sudo,command,refused:%-:whitespace%%user:word% : %reason:string-to: ;% ; PWD=%pwd:string-to: ;% ; USER=%target_user:word% ; COMMAND=%command:rest%
