# What sunset-agent.wxs says but Debian's wixl 0.101 cannot express, applied to the built MSI.
# One Windows Installer SQL statement per line; lines starting with # and blank lines are skipped.
# Applied by ci/package.sh (msibuild OUT.msi -q "…") and, after WiX on Windows, by apply-fixups.ps1
# (WindowsInstaller.Installer COM). Every statement is safe on either toolchain's output: where WiX v3
# already wrote the same thing natively, the statement rewrites it to the same value or matches no row.

# DefaultConfig: NeverOverwrite (128) + Permanent (16), plus 64-bit (256) in the x64 package. wixl ignores
# both attributes; without them a major upgrade would replace the edited agent.toml.
UPDATE `Component` SET `Attributes` = 400 WHERE `Component` = 'DefaultConfig' AND `Attributes` = 256
UPDATE `Component` SET `Attributes` = 144 WHERE `Component` = 'DefaultConfig' AND `Attributes` = 0

# MajorUpgrade AllowSameVersionUpgrades (ignored by wixl, so left out of the .wxs for both toolchains):
# 1 = MigrateFeatures, +512 = VersionMax inclusive, so a rebuild of the same version replaces the installed
# one instead of installing beside it. Attributes is part of the primary key: delete and insert.
# @UPGRADE_CODE@ and @PRODUCT_VERSION@ are replaced with the package's own values by the appliers.
DELETE FROM `Upgrade` WHERE `ActionProperty` = 'WIX_UPGRADE_DETECTED'
INSERT INTO `Upgrade` (`UpgradeCode`, `VersionMax`, `Attributes`, `ActionProperty`) VALUES ('@UPGRADE_CODE@', '@PRODUCT_VERSION@', 513, 'WIX_UPGRADE_DETECTED')

# Property/@Secure (ignored by wixl): public properties that may be passed to the elevated server side.
UPDATE `Property` SET `Value` = 'CA_FILE;COLLECTOR_URL;ENROLL_TOKEN;PROXY;SCHEDULE_WINDOW;SITE;WIX_DOWNGRADE_DETECTED;WIX_UPGRADE_DETECTED' WHERE `Property` = 'SecureCustomProperties'

# Property/@Hidden (ignored by wixl): never write the enrolment token, or a proxy URL that may hold a
# password, into an installer log.
DELETE FROM `Property` WHERE `Property` = 'MsiHiddenProperties'
INSERT INTO `Property` (`Property`, `Value`) VALUES ('MsiHiddenProperties', 'ENROLL_TOKEN;CMDLINE_ENROLL_TOKEN;PROXY;CMDLINE_PROXY')
# CustomAction/@HideTarget for the actions that copy them: 51 (set property) + 8192 (HideTarget).
UPDATE `CustomAction` SET `Type` = 8243 WHERE `Action` = 'SaveCmdEnrollToken' OR `Action` = 'SetFromCmdEnrollToken' OR `Action` = 'SaveCmdProxy' OR `Action` = 'SetFromCmdProxy'

# Restart on failure (WiX's ServiceConfigFailureActions; wixl has no such element). Windows Installer 5.0:
# Event 1 + 4 = on install and reinstall; restart after 1 min, 1 min, then every 5 min; counter reset after a day.
CREATE TABLE `MsiServiceConfigFailureActions` (`MsiServiceConfigFailureActions` CHAR(72) NOT NULL, `Name` CHAR(255) NOT NULL, `Event` SHORT NOT NULL, `ResetPeriod` LONG, `RebootMessage` CHAR(255), `Command` CHAR(255), `Actions` CHAR(255), `DelayActions` CHAR(255), `Component_` CHAR(72) NOT NULL PRIMARY KEY `MsiServiceConfigFailureActions`)
INSERT INTO `MsiServiceConfigFailureActions` (`MsiServiceConfigFailureActions`, `Name`, `Event`, `ResetPeriod`, `Actions`, `DelayActions`, `Component_`) VALUES ('SunsetAgentRestart', 'SunsetAgent', 5, 86400, '1[~]1[~]1', '60000[~]60000[~]300000', 'AgentService')
INSERT INTO `InstallExecuteSequence` (`Action`, `Condition`, `Sequence`) VALUES ('MsiConfigureServices', 'VersionNT', 5850)

# Who may read the settings (WiX's PermissionEx; wixl has none). HKLM\SOFTWARE and ProgramData are
# readable by every local user by default, and the key and agent.toml may hold the enrolment token:
# only SYSTEM (the service) and elevated Administrators get access. Windows Installer 5.0.
CREATE TABLE `MsiLockPermissionsEx` (`MsiLockPermissionsEx` CHAR(72) NOT NULL, `LockObject` CHAR(72) NOT NULL, `Table` CHAR(32) NOT NULL, `SDDLText` LONGCHAR NOT NULL, `Condition` CHAR(255) PRIMARY KEY `MsiLockPermissionsEx`)
INSERT INTO `MsiLockPermissionsEx` (`MsiLockPermissionsEx`, `LockObject`, `Table`, `SDDLText`) VALUES ('LockSettingsKey', 'RegEnrollToken', 'Registry', 'D:PAI(A;CI;KA;;;SY)(A;CI;KA;;;BA)')
INSERT INTO `MsiLockPermissionsEx` (`MsiLockPermissionsEx`, `LockObject`, `Table`, `SDDLText`) VALUES ('LockDataDir', 'DATADIR', 'CreateFolder', 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)')
