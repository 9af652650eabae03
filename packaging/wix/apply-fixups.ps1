# Applies packaging/wix/fixups.sql to an MSI built by WiX on Windows, through the Windows Installer
# automation interface: the same statements ci/package.sh applies with msibuild after wixl, so both
# toolchains produce the same tables. Usage: powershell -File apply-fixups.ps1 -Msi out.msi
param([Parameter(Mandatory = $true)][string]$Msi)
$ErrorActionPreference = 'Stop'

$installer = New-Object -ComObject WindowsInstaller.Installer
function Invoke($target, [string]$method, [object[]]$arguments) {
    $target.GetType().InvokeMember($method, [Reflection.BindingFlags]::InvokeMethod, $null, $target, $arguments)
}
function Get($target, [string]$property, [object[]]$arguments) {
    $target.GetType().InvokeMember($property, [Reflection.BindingFlags]::GetProperty, $null, $target, $arguments)
}

$database = Invoke $installer 'OpenDatabase' @((Resolve-Path $Msi).Path, 1)  # 1 = msiOpenDatabaseModeTransact
function Property([string]$name) {
    $view = Invoke $database 'OpenView' @("SELECT ``Value`` FROM ``Property`` WHERE ``Property`` = '$name'")
    Invoke $view 'Execute' @() | Out-Null
    $record = Invoke $view 'Fetch' @()
    $value = Get $record 'StringData' @(1)
    Invoke $view 'Close' @() | Out-Null
    return $value
}
$upgradeCode = Property 'UpgradeCode'
$productVersion = Property 'ProductVersion'

foreach ($line in Get-Content (Join-Path $PSScriptRoot 'fixups.sql')) {
    if ($line -match '^\s*(#|$)') { continue }
    $query = $line.Replace('@UPGRADE_CODE@', $upgradeCode).Replace('@PRODUCT_VERSION@', $productVersion)
    try {
        $view = Invoke $database 'OpenView' @($query)
        Invoke $view 'Execute' @() | Out-Null
        Invoke $view 'Close' @() | Out-Null
    } catch {
        throw "fix-up failed: $query`n$_"
    }
}
Invoke $database 'Commit' @() | Out-Null
Write-Host "applied fixups.sql to $Msi"
