#!/bin/sh
# Rebuilds the binary hives in this folder from the .reg sources beside them.
# Needs python3 and hivexregedit (Debian: apt-get install libhivex-bin libwin-hivex-perl).
# Run from anywhere: sh agent/tests/data/windows/make-hives.sh
set -eu
cd "$(dirname "$0")"
# The .reg files are UTF-8: make Perl decode them (and so write non-ASCII names and strings as UTF-16).
export PERL_UNICODE=SDA

# hive <reg source> <prefix> <output>: an empty hive from mkempty.py, merged with the .reg text.
hive() {
    mkdir -p "$(dirname "$3")"
    python3 mkempty.py "$3"
    hivexregedit --merge --prefix "$2" "$3" "$1"
}

HKLM_SOFTWARE='HKEY_LOCAL_MACHINE\SOFTWARE'
HKLM_SYSTEM='HKEY_LOCAL_MACHINE\SYSTEM'
HKCU='HKEY_CURRENT_USER'

hive software-win11.reg "$HKLM_SOFTWARE" software-win11.hive
hive software-ie.reg "$HKLM_SOFTWARE" software-ie.hive
hive software-ie8.reg "$HKLM_SOFTWARE" software-ie8.hive

# A Windows volume for offline::collect_volume. File names vary in case on purpose (`system`, `ntuser.dat`).
V=volume
rm -rf "$V"
hive software-win10.reg "$HKLM_SOFTWARE" "$V/Windows/System32/config/SOFTWARE"
hive system-win10.reg "$HKLM_SYSTEM" "$V/Windows/System32/config/system"
hive ntuser-default.reg "$HKCU" "$V/Windows/System32/config/DEFAULT"
hive ntuser-default.reg "$HKCU" "$V/Users/Default/NTUSER.DAT"
hive ntuser-alice.reg "$HKCU" "$V/Users/alice/NTUSER.DAT"
hive ntuser-dave.reg "$HKCU" "$V/Users/dave/NTUSER.DAT"
# Bob's hive is cut off after 2048 bytes, like an interrupted copy: unreadable, a warning.
mkdir -p "$V/Users/bob"
head -c 2048 "$V/Users/alice/NTUSER.DAT" > "$V/Users/bob/ntuser.dat"
# Public holds no hive (and is not a user anyway).
mkdir -p "$V/Users/Public"
printf '[.ShellClassInfo]\r\nLocalizedResourceName=@%%SystemRoot%%\\system32\\shell32.dll,-21816\r\n' > "$V/Users/Public/desktop.ini"
