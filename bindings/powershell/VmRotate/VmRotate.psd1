# Module manifest for VmRotate: clone-based VM backup rotation for VMware vSphere, running the
# vmrotate Rust library through its native library (runtimes/<rid>/).
@{
    RootModule           = 'VmRotate.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '3e942575-87a7-4367-9789-16d15045daa2'
    Author               = 'vmrotate contributors'
    Copyright            = 'Apache-2.0'
    Description          = 'Clone-based VM backup rotation for VMware vSphere: back up VMs by cloning them onto NFS datastores, keep numbered generations or a time-based retention (restic, borg or PBS semantics), list and restore them.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FunctionsToExport    = @(
        'Connect-VmrServer'
        'Disconnect-VmrServer'
        'Get-VmrBackup'
        'Get-VmrBackupPlan'
        'Get-VmrRetentionPlan'
        'Invoke-VmrBackup'
        'Restore-VmrBackup'
        'Unlock-VmrBackup'
    )
    FormatsToProcess     = @('VmRotate.format.ps1xml')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    FileList             = @('VmRotate.psd1', 'VmRotate.psm1', 'VmRotate.Native.cs', 'VmRotate.format.ps1xml')
    PrivateData          = @{
        PSData = @{
            Tags       = @('VMware', 'vSphere', 'vCenter', 'Backup', 'Windows', 'Linux', 'MacOS')
            LicenseUri = 'https://www.apache.org/licenses/LICENSE-2.0'
        }
    }
}
