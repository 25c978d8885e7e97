version=2
# SPDX-License-Identifier: Apache-2.0
# sshd logins: accepted and failed password / publickey authentications.
# Written against the syslog MSG of sshd (the text after "sshd[PID]: "), OpenSSH 7 to 9.
# Fields: auth_method, user, src_ip (IPv4 or IPv6), src_port (a JSON number), and for publickey
# key_type and key_fingerprint. The tags say what happened: ssh + login + success | failure.
#
# Every rule is spelled out for IPv4 and IPv6: liblognorm 2.0.6 leaks the partial result of a
# user-defined type (type=@...) each time a rule using one fails later in the line, and a
# rulebase is matched against every message.

rule=ssh,login,success:Accepted %auth_method:word% for %user:word% from %src_ip:ipv4% port %src_port:number{"format":"number"}% ssh2
rule=ssh,login,success:Accepted %auth_method:word% for %user:word% from %src_ip:ipv4% port %src_port:number{"format":"number"}% ssh2: %key_type:word% %key_fingerprint:word%
rule=ssh,login,success:Accepted %auth_method:word% for %user:word% from %src_ip:ipv6% port %src_port:number{"format":"number"}% ssh2
rule=ssh,login,success:Accepted %auth_method:word% for %user:word% from %src_ip:ipv6% port %src_port:number{"format":"number"}% ssh2: %key_type:word% %key_fingerprint:word%
rule=ssh,login,failure:Failed %auth_method:word% for %user:word% from %src_ip:ipv4% port %src_port:number{"format":"number"}% ssh2
rule=ssh,login,failure:Failed %auth_method:word% for %user:word% from %src_ip:ipv4% port %src_port:number{"format":"number"}% ssh2: %key_type:word% %key_fingerprint:word%
rule=ssh,login,failure:Failed %auth_method:word% for %user:word% from %src_ip:ipv6% port %src_port:number{"format":"number"}% ssh2
rule=ssh,login,failure:Failed %auth_method:word% for %user:word% from %src_ip:ipv6% port %src_port:number{"format":"number"}% ssh2: %key_type:word% %key_fingerprint:word%
rule=ssh,login,failure,invalid_user:Failed %auth_method:word% for invalid user %user:word% from %src_ip:ipv4% port %src_port:number{"format":"number"}% ssh2
rule=ssh,login,failure,invalid_user:Failed %auth_method:word% for invalid user %user:word% from %src_ip:ipv6% port %src_port:number{"format":"number"}% ssh2
rule=ssh,login,failure,invalid_user:Invalid user %user:word% from %src_ip:ipv4% port %src_port:number{"format":"number"}%
rule=ssh,login,failure,invalid_user:Invalid user %user:word% from %src_ip:ipv6% port %src_port:number{"format":"number"}%
