# Pester 5 tests of the VmRotate module against the native library and VMware's vCenter
# simulator. scripts/test-native.sh runs them where pwsh exists:
#
#   $env:VMR_MODULE = the module folder build-module.sh printed
#   $env:VCSIM_BIN  = the simulator launcher scripts/build-vcsim.sh printed
#   Invoke-Pester -Path bindings/powershell/tests

BeforeAll {
    $script:ModuleFolder = $env:VMR_MODULE
    if (-not $script:ModuleFolder) { throw 'Set VMR_MODULE to the module folder (bindings/powershell/build-module.sh prints it).' }
    if (-not $env:VCSIM_BIN) { throw 'Set VCSIM_BIN to the simulator launcher (scripts/build-vcsim.sh prints it).' }
    Import-Module (Join-Path $script:ModuleFolder 'VmRotate.psd1') -Force

    $script:Password = 'vmrotate-secret'
    $script:Datastores = @('NFS_durian', 'NFS_mango')
    $script:SimulatorFolder = Join-Path ([System.IO.Path]::GetTempPath()) ("vmrotate-pester-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $script:SimulatorFolder | Out-Null
    function Start-TestSimulator([string] $Name, [string] $ExtraArguments) {
        # A simulator of the article's setup, with the launcher's $ExtraArguments; its process
        # and URL.
        $urlFile = Join-Path $script:SimulatorFolder "$Name.url"
        $start = [System.Diagnostics.ProcessStartInfo]::new($env:VCSIM_BIN)
        $start.Arguments = "-username vmrotate -password $($script:Password) -vm-name avocado2 -nfs NFS_durian,NFS_mango -hosts 2 -url-file `"$urlFile`" -watch-stdin $ExtraArguments"
        $start.UseShellExecute = $false
        $start.RedirectStandardInput = $true
        $process = [System.Diagnostics.Process]::Start($start)
        $deadline = (Get-Date).AddSeconds(60)
        while (-not (Test-Path $urlFile) -or (Get-Item $urlFile).Length -eq 0) {
            if ($process.HasExited -or (Get-Date) -gt $deadline) { throw "The simulator did not start ($env:VCSIM_BIN)." }
            Start-Sleep -Milliseconds 50
        }
        [pscustomobject]@{ Process = $process; Url = (Get-Content -Raw $urlFile).Trim() }
    }

    function Stop-TestSimulator([System.Diagnostics.Process] $Process) {
        $Process.StandardInput.Close()
        if (-not $Process.WaitForExit(10000)) { $Process.Kill() }
    }

    $started = Start-TestSimulator 'main' ''
    $script:Simulator = $started.Process
    $script:Url = $started.Url

    function New-TestCredential([string] $Password) {
        $secure = ConvertTo-SecureString $Password -AsPlainText -Force
        [System.Management.Automation.PSCredential]::new('vmrotate', $secure)
    }
}

AfterAll {
    Get-Module VmRotate | Remove-Module -Force
    if ($script:Simulator) { Stop-TestSimulator $script:Simulator }
    if ($script:SimulatorFolder) { Remove-Item -Recurse -Force $script:SimulatorFolder }
}

Describe 'The module' {
    It 'exports exactly its eight functions' {
        $manifest = Test-ModuleManifest (Join-Path $script:ModuleFolder 'VmRotate.psd1')
        $manifest.PowerShellVersion | Should -Be ([version]'5.1')
        @($manifest.ExportedFunctions.Keys | Sort-Object) | Should -Be @(
            'Connect-VmrServer', 'Disconnect-VmrServer', 'Get-VmrBackup', 'Get-VmrBackupPlan',
            'Get-VmrRetentionPlan', 'Invoke-VmrBackup', 'Restore-VmrBackup', 'Unlock-VmrBackup')
        @((Get-Command -Module VmRotate).Name | Sort-Object) | Should -Be @($manifest.ExportedFunctions.Keys | Sort-Object)
    }

    It 'uses approved verbs and documents <_> with examples' -ForEach @(
        'Connect-VmrServer', 'Disconnect-VmrServer', 'Get-VmrBackup', 'Get-VmrBackupPlan',
        'Get-VmrRetentionPlan', 'Invoke-VmrBackup', 'Restore-VmrBackup', 'Unlock-VmrBackup') {
        (Get-Command $_).Verb | Should -BeIn (Get-Verb).Verb
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
    }

    It 'lets Invoke-VmrBackup and Restore-VmrBackup ask before acting' {
        (Get-Command Invoke-VmrBackup).Parameters.Keys | Should -Contain 'WhatIf'
        (Get-Command Restore-VmrBackup).Parameters.Keys | Should -Contain 'Confirm'
        $restore = (Get-Command Restore-VmrBackup).ScriptBlock.Attributes |
            Where-Object { $_ -is [System.Management.Automation.CmdletBindingAttribute] }
        $restore.ConfirmImpact | Should -Be 'High'
    }

    It 'ships default table views for its objects' -ForEach @(
        'VmRotate.Report', 'VmRotate.Backup', 'VmRotate.Plan', 'VmRotate.RetentionDecision',
        'VmRotate.RestoreReport', 'VmRotate.Connection') {
        Get-FormatData -TypeName $_ | Should -Not -BeNullOrEmpty
    }

    It 'takes VM names and Get-VM-style objects from the pipeline' {
        $vm = (Get-Command Invoke-VmrBackup).Parameters['VM']
        $by = $vm.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $by.ValueFromPipeline | Should -BeTrue
        $by.ValueFromPipelineByPropertyName | Should -BeTrue
        $vm.Aliases | Should -Contain 'Name'
    }
}

Describe 'Get-VmrBackupPlan' {
    It 'plans offline: the new clone first, then the oldest generation goes' {
        $existing = @('avocado2', 'zz_avocado2-02-201909230241', 'zz_avocado2-03-201909240241', 'zz_avocado2-04-201909250241')
        $plan = Get-VmrBackupPlan avocado2 -Stamp 201909260241 -ExistingName $existing
        $plan.PSObject.TypeNames[0] | Should -Be 'VmRotate.Plan'
        $plan.NewClone | Should -Be 'zz_avocado2-01-201909260241'
        $plan.actions[0].op | Should -Be 'create'
        $plan.actions[1].op | Should -Be 'delete'
        $plan.actions[1].name | Should -Be 'zz_avocado2-02-201909230241'
    }

    It 'takes existing names from the pipeline' {
        $plan = [pscustomobject]@{ Name = 'zz_avocado2-01-201909250241' } |
            Get-VmrBackupPlan avocado2 -Slots 3 -Stamp 201909260241
        $plan.NewClone | Should -Be 'zz_avocado2-02-201909260241'
    }

    It 'reports bad settings as InvalidArgument with the library''s message' {
        $failure = { Get-VmrBackupPlan avocado2 -Slots 1 } | Should -Throw -PassThru
        $failure.Exception | Should -BeOfType ([VmRotate.Native.VmrConfigException])
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.FullyQualifiedErrorId | Should -BeLike 'VmRotate.Config*'
        $failure.Exception.Message | Should -BeLike '*at least 2 slots*'
    }
}

Describe 'Get-VmrRetentionPlan' {
    BeforeAll {
        $script:Week = @(
            @{ Id = 'mon'; Time = '2024-06-03T23:00:00Z' }
            [pscustomobject]@{ Id = 'tue-early'; Time = [System.DateTimeOffset]'2024-06-04T01:00:00Z'; Tags = @('prod') }
            [pscustomobject]@{ Name = 'tue'; Created = [datetime]::new(2024, 6, 4, 12, 0, 0, [System.DateTimeKind]::Utc) }
        )
    }

    It 'keeps the newest snapshot of each day, restic-style, from the pipeline' {
        $decisions = $script:Week | Get-VmrRetentionPlan -KeepDaily 2 -Now '2024-06-05T00:00:00Z'
        $decisions | Should -HaveCount 3
        $decisions[0].PSObject.TypeNames[0] | Should -Be 'VmRotate.RetentionDecision'
        (@($decisions | Where-Object Keep | ForEach-Object Id) -join ',') | Should -Be 'mon,tue'
        (@($decisions | Where-Object { -not $_.Keep } | ForEach-Object Id) -join ',') | Should -Be 'tue-early'
        (@($decisions | Where-Object Id -eq 'tue').Reasons -join ',') | Should -Be 'daily snapshot'
        ($decisions | Where-Object Id -eq 'tue-early').Reasons.Count | Should -Be 0
    }

    It 'counts days in the -Zone given for borg' {
        # 22:30 UTC on June 1st and 01:00 UTC on June 2nd are both June 2nd in Berlin.
        $three = @(
            @{ Id = 'c'; Time = '2024-05-30T12:00:00Z' }
            @{ Id = 'a'; Time = '2024-06-01T22:30:00Z' }
            @{ Id = 'b'; Time = '2024-06-02T01:00:00Z' }
        )
        $berlin = Get-VmrRetentionPlan -Snapshot $three -Flavor Borg -KeepDaily 2 -Zone Europe/Berlin -Now '2024-06-03T00:00:00Z'
        (@($berlin | Where-Object Keep | ForEach-Object Id) -join ',') | Should -Be 'c,b'
        $utc = Get-VmrRetentionPlan -Snapshot $three -Flavor Borg -KeepDaily 2 -Zone UTC -Now '2024-06-03T00:00:00Z'
        (@($utc | Where-Object Keep | ForEach-Object Id) -join ',') | Should -Be 'a,b'
    }

    It 'reports a policy the flavor refuses as InvalidArgument with the library''s message' {
        $failure = { $script:Week | Get-VmrRetentionPlan -Flavor Pbs -KeepWithin 2d -Zone UTC } | Should -Throw -PassThru
        $failure.Exception | Should -BeOfType ([VmRotate.Native.VmrConfigException])
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.Exception.Message | Should -BeLike '*PBS has no rule ?keep_within?*'
        { $script:Week | Get-VmrRetentionPlan } | Should -Throw '*set at least one keep rule*'
    }

    It 'refuses a time without a zone' {
        $naive = @{ Id = 'x'; Time = [datetime]::new(2024, 6, 1, 12, 0, 0, [System.DateTimeKind]::Unspecified) }
        { $naive | Get-VmrRetentionPlan -KeepDaily 1 } | Should -Throw '*has no time zone*'
    }
}

Describe 'Against the simulator' {
    It 'refuses a wrong password with a typed login error' {
        $failure = { Connect-VmrServer $script:Url -Credential (New-TestCredential 'wrong') } | Should -Throw -PassThru
        $failure.Exception | Should -BeOfType ([VmRotate.Native.VmrLoginException])
        $failure.Exception.Fault | Should -Be 'InvalidLogin'
        $failure.Exception.FaultAncestors | Should -Be @('InvalidLogin', 'VimFault', 'MethodFault')
        $failure.Exception.SeenThumbprint | Should -BeNullOrEmpty
        $failure.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $failure.FullyQualifiedErrorId | Should -BeLike 'VmRotate.Login*'
        $failure.Exception.Message | Should -Not -BeLike '*wrong*'
    }

    It 'gives error ids that do not depend on the culture' {
        $culture = [System.Threading.Thread]::CurrentThread.CurrentCulture
        try {
            # Turkish title-casing maps i to a dotted capital; the ids must not change.
            [System.Threading.Thread]::CurrentThread.CurrentCulture = [System.Globalization.CultureInfo]::new('tr-TR')
            $failure = { Get-VmrBackupPlan avocado2 -Slots 1 } | Should -Throw -PassThru
            $failure.FullyQualifiedErrorId | Should -BeLike 'VmRotate.Config,*'
        } finally {
            [System.Threading.Thread]::CurrentThread.CurrentCulture = $culture
        }
    }

    It 'refuses a -CaFile that does not exist instead of trusting the system roots' {
        $missing = Join-Path $script:SimulatorFolder 'no-such-ca.pem'
        $failure = { Connect-VmrServer $script:Url -Credential (New-TestCredential $script:Password) -CaFile $missing } |
            Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -BeLike 'VmRotate.CaFileNotFound*'
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'needs a connection before listing' {
        { Get-VmrBackup avocado2 } | Should -Throw '*Connect-VmrServer*'
    }

    Context 'connected' {
        BeforeAll {
            $script:Connection = Connect-VmrServer $script:Url -Credential (New-TestCredential $script:Password)
        }

        It 'connects and describes the server' {
            $script:Connection.PSObject.TypeNames[0] | Should -Be 'VmRotate.Connection'
            $script:Connection.Server | Should -Be $script:Url
            $script:Connection.User | Should -Be 'vmrotate'
            $script:Connection.Product | Should -Not -BeNullOrEmpty
        }

        It 'shows the plan with -WhatIf and changes nothing' {
            # What-if messages go to the host, which a transcript records.
            $transcript = Join-Path $script:SimulatorFolder 'whatif.txt'
            Start-Transcript -Path $transcript | Out-Null
            try {
                $output = Invoke-VmrBackup avocado2 -Datastore $script:Datastores -WhatIf
            } finally {
                Stop-Transcript | Out-Null
            }
            $output | Should -BeNullOrEmpty
            @(Get-VmrBackup avocado2) | Should -HaveCount 0
            Get-Content -Raw $transcript | Should -BeLike '*What if: Back up avocado2: create zz_avocado2-01-*'
        }

        It 'backs up, emits the report and shows progress' {
            Mock Write-Progress -ModuleName VmRotate -MockWith { $null }
            $report = Invoke-VmrBackup avocado2 -Datastore $script:Datastores -Utc -Confirm:$false
            Should -Invoke Write-Progress -ModuleName VmRotate -ParameterFilter { $Activity -eq 'Backing up avocado2' -and $Status -like 'Cloned to zz_avocado2-01-*' }
            Should -Invoke Write-Progress -ModuleName VmRotate -ParameterFilter { $Completed }
            $report.PSObject.TypeNames[0] | Should -Be 'VmRotate.Report'
            $report.ok | Should -BeTrue
            $report.created | Should -BeLike 'zz_avocado2-01-*'
            $report.SnapshotRemoved | Should -BeTrue
            # PascalCase properties, and times as DateTime (UTC) on both editions.
            $report.PSObject.Properties.Name | Should -Contain 'DryRun'
            $report.PSObject.Properties.Name | Should -Not -Contain 'dry_run'
            $report.Started | Should -BeOfType ([datetime])
            $report.Finished.Kind | Should -Be 'Utc'
            $report.Plan.NewClone | Should -Be $report.Created
        }

        It 'backs up Get-VM-style objects from the pipeline with -WhatIf' {
            $output = [pscustomobject]@{ Name = 'avocado2' } | Invoke-VmrBackup -Datastore $script:Datastores -WhatIf
            $output | Should -BeNullOrEmpty
        }

        It 'unlocks a VM that holds no lock without removing anything' {
            @(Unlock-VmrBackup avocado2 -Confirm:$false) | Should -HaveCount 0
            @([pscustomobject]@{ Name = 'avocado2' } | Unlock-VmrBackup -WhatIf) | Should -HaveCount 0
        }

        It 'lists the backup' {
            $backups = @(Get-VmrBackup avocado2)
            $backups | Should -HaveCount 1
            $backups[0].Slot | Should -Be 1
            $backups[0].Marked | Should -BeTrue
            $backups[0].Created | Should -BeOfType ([datetime])
            $backups[0].State | Should -Be 'verified'
            $backups[0].Datastore | Should -BeIn $script:Datastores
        }

        It 'writes a failed VM as an error and still reports it' {
            $report = Invoke-VmrBackup no-such-vm -Datastore NFS_durian -ErrorVariable failures -ErrorAction SilentlyContinue
            $report.ok | Should -BeFalse
            $failures | Should -HaveCount 1
            $failures[0].Exception | Should -BeOfType ([VmRotate.Native.VmrNotFoundException])
        }

        It 'restores from the pipeline without asking when told' {
            $restored = Get-VmrBackup avocado2 | Restore-VmrBackup -NewName avocado2-restored -Confirm:$false
            $restored.PSObject.TypeNames[0] | Should -Be 'VmRotate.RestoreReport'
            $restored.vm | Should -Be 'avocado2-restored'
            $restored.from | Should -BeLike 'zz_avocado2-01-*'
        }

        It 'refuses to restore over an existing VM' {
            $name = (Get-VmrBackup avocado2)[0].Name
            Restore-VmrBackup $name -NewName avocado2-restored -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].Exception | Should -BeOfType ([VmRotate.Native.VmrRefusedException])
        }

        It 'restores nothing with -WhatIf' {
            $name = (Get-VmrBackup avocado2)[0].Name
            Restore-VmrBackup $name -NewName avocado2-whatif -WhatIf | Should -BeNullOrEmpty
            # The name is still free: nothing was restored under it.
            (Restore-VmrBackup $name -NewName avocado2-whatif -Confirm:$false).vm | Should -Be 'avocado2-whatif'
        }

        It 'disconnects, and the default connection is gone' {
            Disconnect-VmrServer
            { Get-VmrBackup avocado2 } | Should -Throw '*Connect-VmrServer*'
        }
    }
}

Describe 'Stopping the pipeline (Ctrl+C)' {
    BeforeAll {
        # Clones take 6 s and can be cancelled, as on vCenter.
        $script:CloneSeconds = 6
        $slow = Start-TestSimulator 'slow' "-async-task CloneVM_Task=$($script:CloneSeconds * 1000)"
        $script:SlowSimulator = $slow.Process
        $script:SlowUrl = $slow.Url
        $script:Watcher = Connect-VmrServer $script:SlowUrl -Credential (New-TestCredential $script:Password) -NotDefault
    }

    AfterAll {
        if ($script:Watcher) { Disconnect-VmrServer -Server $script:Watcher }
        if ($script:SlowSimulator) { Stop-TestSimulator $script:SlowSimulator }
    }

    It 'cancels a backup mid-clone, which removes its snapshot and leaves no clone' {
        # Another runspace runs the backup; PowerShell.Stop() stops its pipeline as Ctrl+C does.
        $shell = [powershell]::Create()
        $null = $shell.AddScript({
            param($Module, $Url, $Password)
            Import-Module $Module
            $secure = ConvertTo-SecureString $Password -AsPlainText -Force
            Connect-VmrServer $Url -Credential ([System.Management.Automation.PSCredential]::new('vmrotate', $secure)) | Out-Null
            Invoke-VmrBackup avocado2 -Datastore NFS_durian, NFS_mango -Utc -Confirm:$false
        }).AddArgument((Join-Path $script:ModuleFolder 'VmRotate.psd1')).AddArgument($script:SlowUrl).AddArgument($script:Password)
        $running = $shell.BeginInvoke()
        try {
            # The run's snapshot appears as a run_snapshot warning: the clone task runs then.
            $deadline = (Get-Date).AddSeconds(30)
            do {
                if ((Get-Date) -gt $deadline) { throw 'The backup never took its snapshot.' }
                Start-Sleep -Milliseconds 100
                $null = Get-VmrBackup avocado2 -Server $script:Watcher -WarningVariable seen -WarningAction SilentlyContinue
            } until (@($seen | Where-Object { "$_" -like '*vmrotate-run*' }).Count -gt 0)
            Start-Sleep -Milliseconds 500
            $stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
            # Returns once the pipeline has stopped, i.e. once the run has cleaned up.
            $shell.Stop()
            $stopwatch.Elapsed.TotalSeconds | Should -BeLessThan ($script:CloneSeconds - 1)
            $running.IsCompleted | Should -BeTrue
        } finally {
            $shell.Dispose()
        }
        $backups = @(Get-VmrBackup avocado2 -Server $script:Watcher -WarningVariable left -WarningAction SilentlyContinue)
        $backups | Should -HaveCount 0
        @($left) | Should -HaveCount 0
    }
}

Describe 'Reporting a backup run' {
    BeforeAll {
        Connect-VmrServer $script:Url -Credential (New-TestCredential $script:Password) | Out-Null
    }

    AfterAll {
        Disconnect-VmrServer
    }

    BeforeEach {
        Mock Test-VmrEventLogAvailable -ModuleName VmRotate -MockWith { $true }
        Mock Test-VmrEventSource -ModuleName VmRotate -MockWith { $false }
        Mock Register-VmrEventSource -ModuleName VmRotate -MockWith { }
        Mock Write-VmrEventEntry -ModuleName VmRotate -MockWith { }
    }

    It 'writes one event per VM with -EventLog, registering the source on first use' {
        $reports = Invoke-VmrBackup avocado2, no-such-vm -Datastore NFS_durian -EventLog -Confirm:$false -ErrorAction SilentlyContinue
        @($reports) | Should -HaveCount 2
        Should -Invoke Register-VmrEventSource -ModuleName VmRotate -Times 1 -Exactly
        Should -Invoke Write-VmrEventEntry -ModuleName VmRotate -Times 2 -Exactly
        Should -Invoke Write-VmrEventEntry -ModuleName VmRotate -Times 1 -Exactly -ParameterFilter {
            $EntryType -eq 'Information' -and $EventId -eq 1000 -and
            $Message -like "vmrotate backed up avocado2.*Created zz_avocado2-*on NFS_durian.*"
        }
        Should -Invoke Write-VmrEventEntry -ModuleName VmRotate -Times 1 -Exactly -ParameterFilter {
            $EntryType -eq 'Error' -and $EventId -eq 1002 -and
            $Message -like 'vmrotate failed to back up no-such-vm: *'
        }
    }

    It 'warns with the one-time command when the source cannot be registered, and still reports' {
        Mock Register-VmrEventSource -ModuleName VmRotate -MockWith { throw 'Requested registry access is not allowed.' }
        $report = Invoke-VmrBackup avocado2 -Datastore NFS_durian -EventLog -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $report.ok | Should -BeTrue
        Should -Invoke Write-VmrEventEntry -ModuleName VmRotate -Times 0 -Exactly
        ($warnings -join "`n") | Should -BeLike '*New-EventLog -LogName Application -Source vmrotate*'
    }

    It 'makes a backup with warnings a Warning event' {
        InModuleScope VmRotate {
            $report = [pscustomobject]@{
                vm = 'avocado2'; ok = $true; run = 'r1'; created = 'zz_avocado2-02-201909230241'
                datastore = 'NFS_mango'; deleted = @('zz_avocado2-03-201909200241')
                warnings = @('NFS_durian was skipped: not enough free space'); error = $null
                started = '2019-09-23T02:41:00Z'; finished = '2019-09-23T02:45:00Z'
            }
            $entry = ConvertTo-VmrEvent $report
            $entry.EntryType | Should -Be 'Warning'
            $entry.EventId | Should -Be 1001
            $entry.Message | Should -BeLike '*Deleted zz_avocado2-03-201909200241.*Warning: NFS_durian was skipped*'
        }
    }

    It 'writes the metrics given with -Metrics' {
        $textfile = Join-Path $script:SimulatorFolder 'vmrotate.prom'
        $report = Invoke-VmrBackup avocado2 -Datastore NFS_mango -Metrics @{ textfile = $textfile } -Confirm:$false
        $report.ok | Should -BeTrue
        Get-Content -Raw $textfile | Should -BeLike '*vmrotate_backup_last_run_success{vm="avocado2"} 1*'
    }
}
