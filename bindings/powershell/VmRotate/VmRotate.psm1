# VmRotate: the vmrotate backup rotation for PowerShell 5.1 and 7.
#
# The functions turn parameters into the native library's JSON requests (docs/native-abi.md)
# and its replies into objects; the behaviour is the vmrotate library's. VmRotate.Native.cs is
# the C# layer (compiled here with Add-Type); the native library comes from
# runtimes/<rid>/ next to this file, loaded by absolute path.

Set-StrictMode -Version 3.0

# The connection functions use when -Server is not given (Connect-VmrServer sets it).
$script:DefaultConnection = $null

# How often a request in progress is polled for progress events and for a stopped pipeline,
# in milliseconds.
$script:EventPollMilliseconds = 200

function Get-VmrRuntimeId {
    # The runtime identifier of this process: win-x64, linux-arm64, osx-arm64, ...
    if ($PSVersionTable.PSEdition -eq 'Desktop') {
        $os = 'win'
        $architecture = $env:PROCESSOR_ARCHITECTURE
    } else {
        $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
        $architecture = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString()
    }
    switch ($architecture) {
        { $_ -in 'AMD64', 'X64' } { return "$os-x64" }
        { $_ -in 'ARM64', 'Arm64' } { return "$os-arm64" }
        { $_ -in 'x86', 'X86' } { return "$os-x86" }
        default { throw "VmRotate has no native library for the $architecture architecture." }
    }
}

function Get-VmrNativeLibraryPath {
    # The absolute path of the native library for this platform, inside the module folder.
    $runtimeId = Get-VmrRuntimeId
    $fileName = switch -Wildcard ($runtimeId) {
        'win-*' { 'vmrotate_native.dll' }
        'osx-*' { 'libvmrotate_native.dylib' }
        default { 'libvmrotate_native.so' }
    }
    $path = Join-Path (Join-Path (Join-Path $PSScriptRoot 'runtimes') $runtimeId) $fileName
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        throw "VmRotate has no native library for $runtimeId (looked for $path): install the module package built for this platform."
    }
    (Resolve-Path -LiteralPath $path).ProviderPath
}

if (-not ('VmRotate.Native.VmrLibrary' -as [type])) {
    Add-Type -Path (Join-Path $PSScriptRoot 'VmRotate.Native.cs')
}
[VmRotate.Native.VmrLibrary]::Load((Get-VmrNativeLibraryPath))

# The error category of each kind of vmrotate error.
$script:ErrorCategories = @{
    config          = [System.Management.Automation.ErrorCategory]::InvalidArgument
    not_found       = [System.Management.Automation.ErrorCategory]::ObjectNotFound
    ambiguous       = [System.Management.Automation.ErrorCategory]::InvalidArgument
    preflight       = [System.Management.Automation.ErrorCategory]::ResourceUnavailable
    login           = [System.Management.Automation.ErrorCategory]::AuthenticationError
    tls             = [System.Management.Automation.ErrorCategory]::SecurityError
    timeout         = [System.Management.Automation.ErrorCategory]::OperationTimeout
    locked          = [System.Management.Automation.ErrorCategory]::ResourceBusy
    refused         = [System.Management.Automation.ErrorCategory]::InvalidOperation
    verify          = [System.Management.Automation.ErrorCategory]::InvalidResult
    incomplete      = [System.Management.Automation.ErrorCategory]::OperationStopped
    stopped         = [System.Management.Automation.ErrorCategory]::OperationStopped
    vsphere         = [System.Management.Automation.ErrorCategory]::ConnectionError
    invalid_request = [System.Management.Automation.ErrorCategory]::InvalidData
}

# The error id of each kind: fixed text, so ids do not depend on the culture (no ToTitleCase).
$script:ErrorIds = @{
    config          = 'VmRotate.Config'
    not_found       = 'VmRotate.NotFound'
    ambiguous       = 'VmRotate.Ambiguous'
    preflight       = 'VmRotate.Preflight'
    login           = 'VmRotate.Login'
    tls             = 'VmRotate.Tls'
    locked          = 'VmRotate.Locked'
    refused         = 'VmRotate.Refused'
    verify          = 'VmRotate.Verify'
    incomplete      = 'VmRotate.Incomplete'
    timeout         = 'VmRotate.Timeout'
    vsphere         = 'VmRotate.Vsphere'
    invalid_request = 'VmRotate.InvalidRequest'
}

# How this module spells the settings the library's messages name in backticks.
$script:SettingNames = [ordered]@{
    datastores    = '-Datastore'
    slots         = '-Slots'
    prefix        = '-Prefix'
    mode          = '-Mode'
    username      = '-Credential'
    password      = '-Credential'
    password_file = '-Credential'
    thumbprint    = '-Thumbprint'
    ca_file       = '-CaFile'
    insecure      = '-Insecure'
    stamp         = '-Stamp'
    force         = '-Force'
    keep_daily    = '-KeepDaily'
}

function Format-VmrMessage {
    # A library message with its settings (`datastores`) spelled as this module's parameters.
    param([string] $Message)
    foreach ($setting in $script:SettingNames.Keys) {
        $Message = $Message.Replace('`' + $setting + '`', $script:SettingNames[$setting])
    }
    $Message
}

function New-VmrErrorRecord {
    # An ErrorRecord for a failure: VmrExceptions keep their type, with the id VmRotate.<Kind>
    # and the message in this module's parameter names.
    param(
        [Parameter(Mandatory)] [System.Exception] $Exception,
        [object] $Target
    )
    $inner = $Exception
    while ($null -ne $inner -and -not ($inner -is [VmRotate.Native.VmrException])) {
        $inner = $inner.InnerException
    }
    if ($null -eq $inner) {
        $category = [System.Management.Automation.ErrorCategory]::NotSpecified
        return [System.Management.Automation.ErrorRecord]::new($Exception, 'VmRotate.Failed', $category, $Target)
    }
    $category = $script:ErrorCategories[$inner.Kind]
    if ($null -eq $category) { $category = [System.Management.Automation.ErrorCategory]::NotSpecified }
    $id = $script:ErrorIds[$inner.Kind]
    if ($null -eq $id) { $id = 'VmRotate.Internal' }
    $record = [System.Management.Automation.ErrorRecord]::new($inner, $id, $category, $Target)
    $spelled = Format-VmrMessage $inner.Message
    if ($spelled -ne $inner.Message) {
        $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($spelled)
    }
    $record
}

function ConvertTo-VmrRequestJson {
    param([Parameter(Mandatory)] [System.Collections.IDictionary] $Request)
    ConvertTo-Json -InputObject $Request -Depth 10 -Compress
}

function Resolve-VmrConnection {
    # The connection to use: the given one, else the default one.
    param([object] $Server)
    if ($null -ne $Server) {
        if ($Server.PSObject.TypeNames -notcontains 'VmRotate.Connection') {
            throw 'The -Server value is not a VmRotate connection: pass what Connect-VmrServer returned.'
        }
        return $Server
    }
    if ($null -eq $script:DefaultConnection) {
        throw 'Not connected to a vCenter: run Connect-VmrServer first, or pass -Server.'
    }
    $script:DefaultConnection
}

function Invoke-VmrRequest {
    # Sends one request with the connection's client; returns the reply as objects. Every
    # function that calls the library does so through here, so stopping the pipeline (Ctrl+C)
    # cancels any request: the request runs on a worker thread while this thread polls it
    # (VmrClient.Call with a stopping callback); once the pipeline stops, the poll sees
    # $PSCmdlet.Stopping (or the script block throws PipelineStoppedException), calls
    # vmr_cancel and waits until the request has cleaned up (a backup: clone task cancelled,
    # unverified clone deleted, snapshot removed) before the pipeline ends.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object] $Connection,
        [Parameter(Mandatory)] [System.Collections.IDictionary] $Request,
        [scriptblock] $OnEvent
    )
    $json = ConvertTo-VmrRequestJson $Request
    $handler = $null
    if ($null -ne $OnEvent) {
        $handler = [System.Action[System.Collections.Generic.Dictionary[string, object]]]$OnEvent
    }
    $cmdlet = $PSCmdlet
    $stopping = [System.Func[bool]] { $cmdlet.Stopping }.GetNewClosure()
    $reply = $Connection.Client.Call($json, $handler, $stopping, $script:EventPollMilliseconds)
    ConvertFrom-Json -InputObject $reply
}

function Add-VmrTypeName {
    # Passes each object on with $TypeName first among its type names (for formatting).
    param(
        [Parameter(Mandatory)] [string] $TypeName,
        [Parameter(ValueFromPipeline)] [object] $InputObject
    )
    process {
        if ($null -ne $InputObject) {
            $InputObject.PSObject.TypeNames.Insert(0, $TypeName)
            $InputObject
        }
    }
}

# Fields of the library's JSON holding RFC 3339 times, which become DateTime (UTC) on both
# editions (Windows PowerShell's ConvertFrom-Json leaves them text, PowerShell 7's converts them).
$script:TimeFields = @('started', 'finished', 'created', 'time', 'now')
$script:TimePattern = '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}'
# Fields whose keys are data (snapshot ids), not field names.
$script:MapFields = @('reasons')

function ConvertTo-VmrPascalName {
    # snake_case to PascalCase, independent of the culture: dry_run -> DryRun.
    param([string] $Name)
    $parts = foreach ($part in $Name.Split('_')) {
        if ($part.Length -gt 0) { $part.Substring(0, 1).ToUpperInvariant() + $part.Substring(1) }
    }
    -join $parts
}

function ConvertTo-VmrTime {
    # A time field's value as a UTC DateTime; other values (a clone's name in created) as they are.
    param([object] $Value)
    if ($Value -is [datetime]) { return $Value.ToUniversalTime() }
    if ($Value -is [string] -and $Value -match $script:TimePattern) {
        return [System.DateTimeOffset]::Parse($Value, [System.Globalization.CultureInfo]::InvariantCulture).UtcDateTime
    }
    $Value
}

function ConvertTo-VmrObject {
    # The library's JSON objects as PowerShell objects: PascalCase properties, times as DateTime.
    param([object] $InputObject, [switch] $KeepKeys)
    if ($null -eq $InputObject) { return $null }
    if ($InputObject -is [System.Management.Automation.PSCustomObject]) {
        $result = [ordered]@{}
        foreach ($property in $InputObject.PSObject.Properties) {
            $name = $property.Name
            if ($KeepKeys) {
                $result[$name] = ConvertTo-VmrObject $property.Value
                continue
            }
            if ($script:TimeFields -contains $name) {
                $value = ConvertTo-VmrTime $property.Value
            } else {
                $value = ConvertTo-VmrObject $property.Value -KeepKeys:($script:MapFields -contains $name)
            }
            $result[(ConvertTo-VmrPascalName $name)] = $value
        }
        return [pscustomobject]$result
    }
    if ($InputObject -is [System.Array]) {
        return , @(foreach ($item in $InputObject) { ConvertTo-VmrObject $item })
    }
    $InputObject
}

function Connect-VmrServer {
    <#
    .SYNOPSIS
    Connects to a vCenter (or ESXi) server for the other VmRotate functions.

    .DESCRIPTION
    Logs in with a PSCredential and returns the connection. Unless -NotDefault is given, the
    connection becomes the default that Get-VmrBackup, Invoke-VmrBackup and
    Restore-VmrBackup use when they get no -Server.

    The server's certificate is verified against the system's trusted roots, unless
    -Thumbprint pins its SHA-256 (or SHA-1) thumbprint, -CaFile names the CA bundle to trust,
    or -Insecure skips verification (test labs only).

    The credential can come from anywhere PowerShell gets one: Get-Credential, the
    SecretManagement module (Get-Secret), or the Windows Credential Manager; VMware's
    credential store is not needed.

    .PARAMETER Server
    The server: a host name, host:port, or https://host/sdk.

    .PARAMETER Credential
    The user name and password to log in with.

    .PARAMETER Thumbprint
    The server certificate's SHA-256 (or SHA-1) thumbprint, hex with or without colons.

    .PARAMETER CaFile
    A PEM file of the CA certificates to trust instead of the system's.

    .PARAMETER Insecure
    Skip certificate verification. Anyone on the network path can then read the password.

    .PARAMETER NotDefault
    Do not make this connection the default one.

    .EXAMPLE
    Connect-VmrServer vcenter.example.lan -Credential (Get-Credential backup@vsphere.local)

    Prompts for the password and connects.

    .EXAMPLE
    $credential = Get-Secret -Name vcenter-backup
    Connect-VmrServer vcenter.example.lan -Credential $credential -Thumbprint 'AB:CD:...:EF'

    Takes the credential from a SecretManagement vault and pins the server's certificate.

    .OUTPUTS
    VmRotate.Connection: Server, User, Product, Version, ApiVersion.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Verify')]
    [OutputType('VmRotate.Connection')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Server,

        [Parameter(Mandatory)]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential,

        [Parameter(Mandatory, ParameterSetName = 'Pinned')]
        [ValidateNotNullOrEmpty()]
        [string] $Thumbprint,

        [Parameter(Mandatory, ParameterSetName = 'CaFile')]
        [ValidateNotNullOrEmpty()]
        [string] $CaFile,

        [Parameter(Mandatory, ParameterSetName = 'Insecure')]
        [switch] $Insecure,

        [switch] $NotDefault
    )
    $request = @{
        url      = $Server
        username = $Credential.UserName
        password = $Credential.GetNetworkCredential().Password
    }
    switch ($PSCmdlet.ParameterSetName) {
        'Pinned' { $request.thumbprint = $Thumbprint }
        'CaFile' {
            # A missing bundle is an error, never a silent fallback to the system's roots.
            if (-not (Test-Path -LiteralPath $CaFile -PathType Leaf)) {
                $missing = [System.IO.FileNotFoundException]::new(
                    "the CA bundle $CaFile does not exist: pass -CaFile with a PEM file", $CaFile)
                $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                        $missing, 'VmRotate.CaFileNotFound',
                        [System.Management.Automation.ErrorCategory]::ObjectNotFound, $CaFile))
            }
            $request.ca_file = (Resolve-Path -LiteralPath $CaFile).ProviderPath
        }
        'Insecure' {
            $request.insecure = $true
            Write-Warning "Not verifying $Server's certificate: use -Thumbprint outside test labs."
        }
    }
    try {
        $client = [VmRotate.Native.VmrClient]::Connect((ConvertTo-VmrRequestJson $request))
    } catch {
        $PSCmdlet.ThrowTerminatingError((New-VmrErrorRecord $_.Exception $Server))
    } finally {
        $request.password = $null
    }
    $info = ConvertFrom-Json -InputObject $client.ServerJson
    $connection = [pscustomobject]@{
        PSTypeName = 'VmRotate.Connection'
        Server     = $info.url
        User       = $info.username
        Product    = $info.server
        Version    = $info.version
        ApiVersion = $info.api_version
        Client     = $client
    }
    if (-not $NotDefault) {
        $script:DefaultConnection = $connection
    }
    $connection
}

function Disconnect-VmrServer {
    <#
    .SYNOPSIS
    Logs out of a vCenter and frees the connection.

    .DESCRIPTION
    Ends the session on the server and releases the native client. Without -Server, closes the
    default connection. A closed connection cannot be used again.

    .PARAMETER Server
    The connection to close (from Connect-VmrServer). Default: the default connection.

    .EXAMPLE
    Disconnect-VmrServer

    Closes the default connection.

    .EXAMPLE
    $lab = Connect-VmrServer lab-vc -Credential $credential -NotDefault
    Get-VmrBackup -Server $lab
    $lab | Disconnect-VmrServer

    Uses and closes a second connection.
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param(
        [Parameter(ValueFromPipeline)]
        [object] $Server
    )
    process {
        try {
            $connection = Resolve-VmrConnection $Server
        } catch {
            $PSCmdlet.ThrowTerminatingError((New-VmrErrorRecord $_.Exception $Server))
        }
        try {
            $connection.Client.Logout()
        } catch {
            $PSCmdlet.WriteError((New-VmrErrorRecord $_.Exception $connection.Server))
        } finally {
            $connection.Client.Dispose()
            if ([object]::ReferenceEquals($connection, $script:DefaultConnection)) {
                $script:DefaultConnection = $null
            }
        }
    }
}

function Get-VmrBackupPlan {
    <#
    .SYNOPSIS
    Shows what one backup run would create and delete, and why, without any server.

    .DESCRIPTION
    Plans one rotation of VM -VM's clones from the names of the VMs that exist (from
    -ExistingName or the pipeline, e.g. Get-VM output), exactly as a backup run plans it.
    Nothing is contacted or changed.

    .PARAMETER VM
    The VM, as its name appears in its clones' names.

    .PARAMETER ExistingName
    The names of the existing VMs, clones included. Accepts pipeline input and the Name
    property of piped objects.

    .PARAMETER Slots
    The number of slots; one stays free, so Slots - 1 generations are kept. Default: 4.

    .PARAMETER Prefix
    The prefix of every clone's name. Default: zz_.

    .PARAMETER Mode
    Safe (default), or Compat to do exactly what the original PowerCLI script did.

    .PARAMETER Stamp
    The run's time as it appears in clone names, yyyyMMddHHmm. Default: now, local time.

    .EXAMPLE
    Get-VmrBackupPlan -VM avocado2 -ExistingName avocado2, zz_avocado2-02-201909230241, zz_avocado2-03-201909240241, zz_avocado2-04-201909250241 -Stamp 201909260241

    Shows that the run creates zz_avocado2-01-201909260241 and then deletes slot 02.

    .EXAMPLE
    Get-VM | Get-VmrBackupPlan -VM avocado2 | Select-Object -ExpandProperty actions

    Plans from the VMs PowerCLI lists.

    .OUTPUTS
    VmRotate.Plan: Mode, Current, Prev, NewClone, Blocked, Actions, Findings.
    #>
    [CmdletBinding()]
    [OutputType('VmRotate.Plan')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $VM,

        [Parameter(ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Name')]
        [string[]] $ExistingName,

        [ValidateRange(1, 99)]
        [int] $Slots,

        [string] $Prefix,

        [ValidateSet('Safe', 'Compat')]
        [string] $Mode,

        [ValidatePattern('^\d{12}$')]
        [string] $Stamp
    )
    begin {
        $names = New-Object System.Collections.Generic.List[string]
    }
    process {
        foreach ($name in $ExistingName) {
            if ($name) { $names.Add($name) }
        }
    }
    end {
        $request = @{ key = $VM; names = $names.ToArray() }
        if ($PSBoundParameters.ContainsKey('Slots')) { $request.slots = $Slots }
        if ($PSBoundParameters.ContainsKey('Prefix')) { $request.prefix = $Prefix }
        if ($PSBoundParameters.ContainsKey('Mode')) { $request.mode = $Mode.ToLowerInvariant() }
        if ($PSBoundParameters.ContainsKey('Stamp')) { $request.stamp = $Stamp }
        try {
            $plan = [VmRotate.Native.VmrLibrary]::Plan((ConvertTo-VmrRequestJson $request))
        } catch {
            $PSCmdlet.ThrowTerminatingError((New-VmrErrorRecord $_.Exception $VM))
        }
        ConvertTo-VmrObject (ConvertFrom-Json -InputObject $plan) | Add-VmrTypeName 'VmRotate.Plan'
    }
}

function ConvertTo-VmrTimeText {
    # A time as RFC 3339 text with its UTC offset: a DateTimeOffset, a DateTime that knows its
    # zone (Utc or Local kind), or text passed on as it is (the library checks it).
    param([Parameter(Mandatory)] [AllowNull()] [AllowEmptyString()] [object] $Time, [Parameter(Mandatory)] [string] $What)
    if ($Time -is [System.DateTime]) {
        if ($Time.Kind -eq [System.DateTimeKind]::Unspecified) {
            throw "$What ($Time) has no time zone: pass a DateTimeOffset, a UTC or local DateTime (Get-Date, .ToUniversalTime()), or text such as 2024-06-01T12:00:00Z."
        }
        $Time = [System.DateTimeOffset]$Time
    }
    if ($Time -is [System.DateTimeOffset]) {
        return $Time.ToString('o', [System.Globalization.CultureInfo]::InvariantCulture)
    }
    if ($Time -is [string] -and $Time) { return $Time }
    throw "$What is missing or not a time: pass a DateTimeOffset, a DateTime or RFC 3339 text."
}

function Get-VmrSnapshotField {
    # The first of $Names that $Snapshot (a hashtable or an object) has, or $null.
    param([Parameter(Mandatory)] [object] $Snapshot, [Parameter(Mandatory)] [string[]] $Names)
    foreach ($name in $Names) {
        if ($Snapshot -is [System.Collections.IDictionary]) {
            if ($Snapshot.Contains($name)) { return $Snapshot[$name] }
        } elseif ($null -ne $Snapshot.PSObject.Properties[$name]) {
            return $Snapshot.PSObject.Properties[$name].Value
        }
    }
    $null
}

function ConvertTo-VmrSnapshotRequest {
    # One snapshot of a retention request: {id, time, tags?, protected?, partial?}.
    param([Parameter(Mandatory)] [object] $Snapshot)
    $id = Get-VmrSnapshotField $Snapshot 'Id', 'Name'
    if (-not $id) { throw 'A snapshot has no Id (or Name): give each snapshot a unique Id and a Time.' }
    $entry = [ordered]@{
        id   = [string]$id
        time = ConvertTo-VmrTimeText (Get-VmrSnapshotField $Snapshot 'Time', 'Created') "The Time of snapshot $id"
    }
    $tags = Get-VmrSnapshotField $Snapshot 'Tags'
    if ($null -ne $tags) { $entry.tags = @($tags | ForEach-Object { [string]$_ }) }
    foreach ($flag in 'Protected', 'Partial') {
        if (Get-VmrSnapshotField $Snapshot $flag) { $entry[$flag.ToLowerInvariant()] = $true }
    }
    $entry
}

function Get-VmrRetentionPlan {
    <#
    .SYNOPSIS
    Shows which snapshots a time-based retention policy keeps and removes, and why, without any server.

    .DESCRIPTION
    Applies a retention policy such as "7 daily, 4 weekly" to snapshots (from -Snapshot or the
    pipeline), with the semantics of one tool: restic forget, borg 1.4 prune or Proxmox Backup
    Server prune (-Flavor). Each rule means what it means in that tool; a count of -1 is
    unlimited where the tool allows it. Nothing is contacted or changed.

    Returns one object per snapshot, in input order: its Id and Time, whether it is kept, and
    the rules that keep it.

    .PARAMETER Snapshot
    The snapshots: objects or hashtables with Id (or Name), Time (or Created: a DateTimeOffset,
    a UTC or local DateTime, or RFC 3339 text) and optionally Tags, and for PBS Protected and
    Partial. Accepts pipeline input, e.g. Get-VmrBackup output.

    .PARAMETER Flavor
    Whose semantics the rules have: Restic (default), Borg or Pbs.

    .PARAMETER KeepLast
    The last N snapshots (in borg: one per second).

    .PARAMETER KeepHourly
    The newest snapshot of each of the last N hours.

    .PARAMETER KeepDaily
    The newest snapshot of each of the last N days.

    .PARAMETER KeepWeekly
    The newest snapshot of each of the last N ISO 8601 weeks.

    .PARAMETER KeepMonthly
    The newest snapshot of each of the last N months.

    .PARAMETER KeepYearly
    The newest snapshot of each of the last N years.

    .PARAMETER KeepWithin
    Every snapshot within this duration, in the tool's syntax: restic 1y2m3d4h, borg 7d or 12H.
    PBS has no such rule.

    .PARAMETER Zone
    The IANA time zone (e.g. Europe/Berlin) whose days, weeks, months and years Borg and Pbs
    count in. Default: this machine's zone. Restic counts in each snapshot's own UTC offset; it
    checks the zone but does not use it.

    .PARAMETER Now
    The time the policy is applied at (restic and borg measure KeepWithin back from it). Default: now.

    .EXAMPLE
    $snapshots = @(
        @{ Id = 'mon'; Time = '2024-06-03T23:00:00Z' }
        @{ Id = 'tue-early'; Time = '2024-06-04T01:00:00Z' }
        @{ Id = 'tue'; Time = '2024-06-04T12:00:00Z' }
    )
    $snapshots | Get-VmrRetentionPlan -KeepDaily 2 -Now '2024-06-05T00:00:00Z'

    Keeps tue and mon (the newest of each day) and removes tue-early.

    .EXAMPLE
    Get-VmrBackup avocado2 | Get-VmrRetentionPlan -Flavor Borg -KeepDaily 7 -KeepWeekly 4 -Zone Europe/Berlin | Where-Object -Not Keep

    Lists avocado2's backups a borg-style "7 daily, 4 weekly" policy would remove.

    .OUTPUTS
    VmRotate.RetentionDecision: Id, Time, Keep, Reasons.
    #>
    [CmdletBinding()]
    [OutputType('VmRotate.RetentionDecision')]
    param(
        [Parameter(ValueFromPipeline)]
        [object[]] $Snapshot,

        [ValidateSet('Restic', 'Borg', 'Pbs')]
        [string] $Flavor = 'Restic',

        [int] $KeepLast,
        [int] $KeepHourly,
        [int] $KeepDaily,
        [int] $KeepWeekly,
        [int] $KeepMonthly,
        [int] $KeepYearly,

        [ValidateNotNullOrEmpty()]
        [string] $KeepWithin,

        [ValidateNotNullOrEmpty()]
        [string] $Zone,

        [object] $Now
    )
    begin {
        $snapshots = New-Object System.Collections.Generic.List[object]
    }
    process {
        foreach ($item in $Snapshot) {
            if ($null -ne $item) {
                try {
                    $snapshots.Add((ConvertTo-VmrSnapshotRequest $item))
                } catch {
                    $PSCmdlet.ThrowTerminatingError((New-VmrErrorRecord $_.Exception $item))
                }
            }
        }
    }
    end {
        $rules = [ordered]@{}
        foreach ($rule in 'Last', 'Hourly', 'Daily', 'Weekly', 'Monthly', 'Yearly', 'Within') {
            if ($PSBoundParameters.ContainsKey("Keep$rule")) {
                $rules["keep_$($rule.ToLowerInvariant())"] = $PSBoundParameters["Keep$rule"]
            }
        }
        $request = @{ flavor = $Flavor.ToLowerInvariant(); rules = $rules; snapshots = $snapshots.ToArray() }
        if ($PSBoundParameters.ContainsKey('Zone')) { $request.zone = $Zone }
        try {
            if ($PSBoundParameters.ContainsKey('Now')) { $request.now = ConvertTo-VmrTimeText $Now '-Now' }
            $reply = [VmRotate.Native.VmrLibrary]::RetentionPlan((ConvertTo-VmrRequestJson $request))
        } catch {
            $PSCmdlet.ThrowTerminatingError((New-VmrErrorRecord $_.Exception $Flavor))
        }
        $decision = ConvertFrom-Json -InputObject $reply
        $kept = @{}
        foreach ($id in @($decision.keep)) { $kept[[string]$id] = $true }
        foreach ($entry in $snapshots) {
            $reasons = New-Object System.Collections.Generic.List[string]
            $listed = $decision.reasons.PSObject.Properties[$entry.id]
            if ($null -ne $listed) {
                foreach ($reason in $listed.Value) { $reasons.Add([string]$reason) }
            }
            [pscustomobject]@{
                PSTypeName = 'VmRotate.RetentionDecision'
                Id         = $entry.id
                Time       = $entry.time
                Keep       = $kept.ContainsKey($entry.id)
                Reasons    = $reasons.ToArray()
            }
        }
    }
}

function Get-VmrBackup {
    <#
    .SYNOPSIS
    Lists the backup generations in vCenter.

    .DESCRIPTION
    Returns one object per backup (clone) of each VM, oldest first: its slot, stamp, exact
    creation time, datastore, size and power state. Anomalies (unmarked clones, powered-on
    backups, run snapshots) are written as warnings.

    .PARAMETER VM
    The VMs whose backups to list. Default: every VM that has backups.

    .PARAMETER Prefix
    The prefix of the clones' names. Default: zz_.

    .PARAMETER Server
    The connection to use. Default: the default connection.

    .EXAMPLE
    Get-VmrBackup avocado2

    Lists avocado2's generations.

    .EXAMPLE
    Get-VmrBackup | Where-Object PowerState -ne 'powered_off'

    Finds backups someone powered on.

    .OUTPUTS
    VmRotate.Backup: VM, Name, Slot ($null for a retention clone), Stamp, Created, Datastore,
    SizeBytes, PowerState, Marked, State (verified, unverified or failed: only verified clones
    count as generations).
    #>
    [CmdletBinding()]
    [OutputType('VmRotate.Backup')]
    param(
        [Parameter(Position = 0, ValueFromPipeline)]
        [string[]] $VM,

        [string] $Prefix,

        [object] $Server
    )
    begin {
        $vms = New-Object System.Collections.Generic.List[string]
    }
    process {
        foreach ($name in $VM) {
            if ($name) { $vms.Add($name) }
        }
    }
    end {
        $request = @{ op = 'list'; vms = $vms.ToArray() }
        if ($PSBoundParameters.ContainsKey('Prefix')) { $request.prefix = $Prefix }
        try {
            $connection = Resolve-VmrConnection $Server
            $listed = Invoke-VmrRequest $connection $request
        } catch {
            $PSCmdlet.ThrowTerminatingError((New-VmrErrorRecord $_.Exception ($vms -join ', ')))
        }
        foreach ($entry in @($listed)) {
            foreach ($anomaly in @($entry.anomalies)) {
                Write-Warning (Format-VmrMessage $anomaly.message)
            }
            foreach ($generation in @($entry.generations)) {
                [pscustomobject]@{
                    PSTypeName = 'VmRotate.Backup'
                    VM         = $entry.vm
                    Name       = $generation.name
                    Slot       = $generation.slot
                    Stamp      = $generation.stamp
                    Created    = ConvertTo-VmrTime $generation.created
                    Datastore  = $generation.datastore
                    SizeBytes  = $generation.size_bytes
                    PowerState = $generation.power_state
                    Marked     = $generation.marked
                    State      = $generation.state
                }
            }
        }
    }
}

function Format-VmrPlan {
    # One line per step of a dry run's report, for -WhatIf.
    param([Parameter(Mandatory)] [object] $Report)
    if ($null -ne $Report.error) {
        return "Back up $($Report.vm): would fail: $($Report.error.message)"
    }
    $steps = foreach ($action in @($Report.plan.actions)) {
        if ($action.op -eq 'create') {
            "create $($action.name) on $($Report.datastore)"
        } else {
            "delete $($action.name) ($($action.reason))"
        }
    }
    "Back up $($Report.vm): " + ($steps -join '; ')
}

function Write-VmrProgress {
    # Write-Progress for one progress event of a backup run; $Ids maps VMs to progress ids.
    param(
        [Parameter(Mandatory)] [System.Collections.Generic.Dictionary[string, object]] $ProgressEvent,
        [Parameter(Mandatory)] [hashtable] $Ids
    )
    $vm = [string]$ProgressEvent['vm']
    if (-not $Ids.ContainsKey($vm)) { $Ids[$vm] = $Ids.Count + 1 }
    $progress = @{ Id = $Ids[$vm]; Activity = "Backing up $vm" }
    switch ([string]$ProgressEvent['event']) {
        'started' { Write-Progress @progress -Status 'Checking and planning' -PercentComplete 0 }
        'snapshot_created' { Write-Progress @progress -Status "Snapshot $($ProgressEvent['snapshot']) taken" -PercentComplete 5 }
        'clone_progress' {
            $percent = [int]$ProgressEvent['percent']
            Write-Progress @progress -Status "Cloning: $percent %" -PercentComplete (5 + [int]($percent * 0.8))
        }
        'clone_done' { Write-Progress @progress -Status "Cloned to $($ProgressEvent['clone']) on $($ProgressEvent['datastore'])" -PercentComplete 85 }
        'deleted' { Write-Progress @progress -Status "Deleted $($ProgressEvent['clone'])" -PercentComplete 90 }
        'snapshot_removed' { Write-Progress @progress -Status 'Snapshot removed' -PercentComplete 95 }
        'finished' { Write-Progress @progress -Completed }
        'failed' { Write-Progress @progress -Completed }
    }
}

# The Windows event log (Invoke-VmrBackup -EventLog): one event per VM in the Application log,
# source vmrotate. Registering a source needs an administrator once; these small functions
# are what the Pester tests mock on machines without an event log.
$script:EventSource = 'vmrotate'
$script:EventSourceCommand = "New-EventLog -LogName Application -Source vmrotate"

function Test-VmrEventLogAvailable {
    # Windows PowerShell 5.1 runs only on Windows; PowerShell 7 says where it runs.
    $PSVersionTable.PSEdition -eq 'Desktop' -or $IsWindows
}

function Test-VmrEventSource {
    [System.Diagnostics.EventLog]::SourceExists($script:EventSource)
}

function Register-VmrEventSource {
    [System.Diagnostics.EventLog]::CreateEventSource($script:EventSource, 'Application')
}

function Write-VmrEventEntry([string] $Message, [string] $EntryType, [int] $EventId) {
    [System.Diagnostics.EventLog]::WriteEntry($script:EventSource, $Message,
        [System.Diagnostics.EventLogEntryType]$EntryType, $EventId)
}

function ConvertTo-VmrEvent {
    # The event of one VM's report: Error (id 1002) when it failed, Warning (1001) when it
    # succeeded with warnings, Information (1000) otherwise; the message lists what changed.
    param([Parameter(Mandatory)] $Report)
    $lines = [System.Collections.Generic.List[string]]::new()
    if ($Report.ok) {
        $lines.Add("vmrotate backed up $($Report.vm).")
    } else {
        $lines.Add("vmrotate failed to back up $($Report.vm): $($Report.error.message)")
    }
    if ($Report.created) { $lines.Add("Created $($Report.created) on $($Report.datastore).") }
    foreach ($deleted in @($Report.deleted)) { if ($deleted) { $lines.Add("Deleted $deleted.") } }
    foreach ($warning in @($Report.warnings)) { if ($warning) { $lines.Add("Warning: $warning") } }
    $lines.Add("Run $($Report.run), $($Report.started) to $($Report.finished).")
    if (-not $Report.ok) {
        $type, $id = 'Error', 1002
    } elseif (@($Report.warnings | Where-Object { $_ }).Count -gt 0) {
        $type, $id = 'Warning', 1001
    } else {
        $type, $id = 'Information', 1000
    }
    [pscustomobject]@{ EntryType = $type; EventId = $id; Message = ($lines -join [Environment]::NewLine) }
}

function Write-VmrEventLog {
    # Writes one event per report; registers the source on first use when allowed. Never
    # throws: the backups are done, so a missing event log is a warning.
    param([object[]] $Reports)
    if (-not (Test-VmrEventLogAvailable)) {
        Write-Warning 'vmrotate: -EventLog writes to the Windows event log, which this system does not have; no event was written.'
        return
    }
    try {
        if (-not (Test-VmrEventSource)) { Register-VmrEventSource }
    } catch {
        Write-Warning ("vmrotate: cannot register the event source vmrotate ($($_.Exception.Message)); " +
            "run once as administrator: $($script:EventSourceCommand)")
        return
    }
    foreach ($report in $Reports) {
        $entry = ConvertTo-VmrEvent $report
        try {
            Write-VmrEventEntry $entry.Message $entry.EntryType $entry.EventId
        } catch {
            Write-Warning "vmrotate: cannot write the event of $($report.vm) ($($_.Exception.Message))"
        }
    }
}

function Invoke-VmrBackup {
    <#
    .SYNOPSIS
    Backs up VMs by cloning them, and rotates out the oldest generation.

    .DESCRIPTION
    For each VM: snapshot, clone from the snapshot onto a backup datastore (alternating
    between datastores when several are given), verify the clone, delete the generation the
    rotation retires, remove the snapshot. One VM's failure does not stop the others; each
    failure is written as an error. Progress is shown with Write-Progress.

    -WhatIf shows each VM's plan (what would be created and deleted) and changes nothing.

    Ctrl+C stops the run cleanly: the clone task is cancelled, a clone not yet verified is
    deleted and the snapshot removed before the command ends (at most two minutes for the
    task); VMs not started yet are not started.

    .PARAMETER VM
    The VMs to back up (exact names, or prefixes with -VmMatch Prefix).

    .PARAMETER Datastore
    The datastores the clones go to.

    .PARAMETER Slots
    The number of slots; one stays free, so Slots - 1 generations are kept. Default: 4.

    .PARAMETER Prefix
    The prefix of every clone's name. Default: zz_.

    .PARAMETER Folder
    The VM folder the clones go to, created if missing. Default: vmrotate-backups.

    .PARAMETER Mode
    Safe (default), or Compat to do exactly what the original PowerCLI script did.

    .PARAMETER VmMatch
    Exact (default), or Prefix: -VM names a prefix that must match exactly one VM.

    .PARAMETER CloneKind
    Full (default, an independent thin copy) or Linked.

    .PARAMETER VMHost
    The host the clones are registered on. Default: the source VM's host.

    .PARAMETER ResourcePool
    The resource pool the clones go to. Default: the source VM's pool.

    .PARAMETER Quiesce
    Quiesce the guest file systems (VMware Tools) for the snapshot.

    .PARAMETER Utc
    Stamp clone names in UTC instead of local time.

    .PARAMETER FreeSpaceMargin
    The share of a datastore's capacity that must stay free after the clone. Default: 0.1.

    .PARAMETER Force
    Delete retired generations even when they are powered on.

    .PARAMETER Parallel
    How many VMs are backed up at the same time. Default: 2.

    .PARAMETER EventLog
    Write one Windows event per VM to the Application log, source vmrotate: Information (id
    1000) for a backup, Warning (1001) for a backup with warnings, Error (1002) for a failure.
    The source is registered on first use when the user may (an administrator); otherwise a
    warning names the one-time command to run as administrator:
    New-EventLog -LogName Application -Source vmrotate

    .PARAMETER Notify
    Where the run is reported, as a hashtable with the keys of a jobs file's [notify] table:
    when, timeout, email (server, from, to, username, password_file, ca_file, starttls),
    webhook (url, format). See docs/scheduling.md. A failed notification is a warning only.

    .PARAMETER Metrics
    Where the run's Prometheus metrics go, as a hashtable with the keys of a jobs file's
    [metrics] table: textfile, pushgateway.

    .PARAMETER ClonesPerHost
    How many clones are made at the same time from one source host; further VMs wait. Default: 2.

    .PARAMETER ClonesPerDatastore
    How many clones are made at the same time onto one datastore; further VMs wait. Default: 2.

    .PARAMETER Server
    The connection to use. Default: the default connection.

    .EXAMPLE
    Invoke-VmrBackup avocado2 -Datastore NFS_durian, NFS_mango

    Backs up avocado2, alternating generations between two NFS datastores.

    .EXAMPLE
    Invoke-VmrBackup avocado2, vcenter -Datastore NFS_mango -Slots 3 -WhatIf

    Shows what each run would create and delete, and changes nothing.

    .EXAMPLE
    $failed = Invoke-VmrBackup (Get-Content vms.txt) -Datastore NFS_durian -ErrorAction SilentlyContinue | Where-Object { -not $_.Ok }

    Runs a list of VMs and collects the failed reports.

    .EXAMPLE
    Get-VM web* | Invoke-VmrBackup -Datastore NFS_durian

    Backs up PowerCLI's VM objects (by their Name) from the pipeline, in one run.

    .EXAMPLE
    Invoke-VmrBackup avocado2 -Datastore NFS_durian -EventLog -Notify @{ when = 'failure'; webhook = @{ url = 'https://ntfy.example.lan/backups'; format = 'ntfy' } }

    Backs up avocado2 from a scheduled task: one event in the Application log, and an ntfy
    message if it failed.

    .OUTPUTS
    VmRotate.Report, one per VM: Vm, Run, Ok, DryRun, Plan, Datastore, Created, Deleted,
    SnapshotRemoved, Warnings, Error, Started, Finished (docs/report-schema.md's fields in
    PascalCase; Started and Finished are DateTime, UTC).
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('VmRotate.Report')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Name')]
        [ValidateNotNullOrEmpty()]
        [string[]] $VM,

        [Parameter(Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string[]] $Datastore,

        [ValidateRange(1, 99)]
        [int] $Slots,

        [string] $Prefix,

        [string] $Folder,

        [ValidateSet('Safe', 'Compat')]
        [string] $Mode,

        [ValidateSet('Exact', 'Prefix')]
        [string] $VmMatch,

        [ValidateSet('Full', 'Linked')]
        [string] $CloneKind,

        [string] $VMHost,

        [string] $ResourcePool,

        [switch] $Quiesce,

        [switch] $Utc,

        [ValidateRange(0.0, 1.0)]
        [double] $FreeSpaceMargin,

        [switch] $Force,

        [ValidateRange(1, 64)]
        [int] $Parallel,

        [switch] $EventLog,

        [hashtable] $Notify,

        [hashtable] $Metrics,

        [ValidateRange(1, 64)]
        [int] $ClonesPerHost,

        [ValidateRange(1, 64)]
        [int] $ClonesPerDatastore,

        [object] $Server
    )
    begin {
        # VM names and Get-VM-style objects (their Name) from the pipeline, run as one backup_all.
        $names = New-Object System.Collections.Generic.List[string]
    }
    process {
        foreach ($name in $VM) { $names.Add($name) }
    }
    end {
    $VM = $names.ToArray()
    $settings = @{ datastores = $Datastore }
    if ($PSBoundParameters.ContainsKey('Slots')) { $settings.slots = $Slots }
    if ($PSBoundParameters.ContainsKey('Prefix')) { $settings.prefix = $Prefix }
    if ($PSBoundParameters.ContainsKey('Folder')) { $settings.folder = $Folder }
    if ($PSBoundParameters.ContainsKey('Mode')) { $settings.mode = $Mode.ToLowerInvariant() }
    if ($PSBoundParameters.ContainsKey('VmMatch')) { $settings.vm_match = $VmMatch.ToLowerInvariant() }
    if ($PSBoundParameters.ContainsKey('CloneKind')) { $settings.clone_kind = $CloneKind.ToLowerInvariant() }
    if ($PSBoundParameters.ContainsKey('VMHost')) { $settings.host = $VMHost }
    if ($PSBoundParameters.ContainsKey('ResourcePool')) { $settings.resource_pool = $ResourcePool }
    if ($PSBoundParameters.ContainsKey('FreeSpaceMargin')) { $settings.free_space_margin = $FreeSpaceMargin }
    if ($Quiesce) { $settings.quiesce = $true }
    if ($Utc) { $settings.stamp_zone = 'utc' }
    if ($Force) { $settings.force = $true }
    $jobs = foreach ($name in $VM) {
        $job = $settings.Clone()
        $job.vm = $name
        $job
    }
    $request = @{ op = 'backup'; jobs = @($jobs) }
    if ($PSBoundParameters.ContainsKey('Parallel')) { $request.parallel = $Parallel }
    if ($Notify) { $request.notify = $Notify }
    if ($Metrics) { $request.metrics = $Metrics }
    if ($PSBoundParameters.ContainsKey('ClonesPerHost')) { $request.clones_per_host = $ClonesPerHost }
    if ($PSBoundParameters.ContainsKey('ClonesPerDatastore')) { $request.clones_per_datastore = $ClonesPerDatastore }

    try {
        $connection = Resolve-VmrConnection $Server
        if ($WhatIfPreference) {
            $request.dry_run = $true
            $run = Invoke-VmrRequest $connection $request
            foreach ($report in @($run.reports)) {
                $plan = Format-VmrPlan $report
                $null = $PSCmdlet.ShouldProcess($plan, $plan, 'Back up')
            }
            return
        }
        $request.jobs = @($request.jobs | Where-Object {
                $PSCmdlet.ShouldProcess($_.vm, "Back up onto $($Datastore -join ', ')")
            })
        if ($request.jobs.Count -eq 0) { return }
        $progressIds = @{}
        $run = Invoke-VmrRequest $connection $request -OnEvent {
            param($progressEvent)
            Write-VmrProgress -ProgressEvent $progressEvent -Ids $progressIds
        }
    } catch {
        $PSCmdlet.ThrowTerminatingError((New-VmrErrorRecord $_.Exception ($VM -join ', ')))
    }
    foreach ($report in @($run.reports)) {
        if ($null -ne $report.error) {
            $failure = $report.error
            $exception = [VmRotate.Native.VmrException]::Create($failure.kind, $failure.fault, "$($report.vm): $($failure.message)")
            $null = $exception.WithDetails([string[]]@($failure.fault_ancestors), $failure.seen_thumbprint)
            $PSCmdlet.WriteError((New-VmrErrorRecord $exception $report.vm))
        }
        foreach ($warning in @($report.warnings)) {
            Write-Warning "$($report.vm): $warning"
        }
    }
    foreach ($delivery in @($run.notifications)) {
        if ($delivery -and -not $delivery.ok) {
            Write-Warning "$($delivery.channel) notification failed: $($delivery.error)"
        }
    }
    if ($EventLog) { Write-VmrEventLog @($run.reports) }
    foreach ($report in @($run.reports)) {
        ConvertTo-VmrObject $report | Add-VmrTypeName 'VmRotate.Report'
    }
}

function Restore-VmrBackup {
    <#
    .SYNOPSIS
    Restores a backup as a new VM.

    .DESCRIPTION
    Makes a full clone of a backup under a new name, never over an existing VM. With
    -RegisterOnly, registers the backup's own files on a surviving host instead (the way back
    when a host died); the backup then stops being a backup.

    Asks for confirmation unless -Confirm:$false is given.

    .PARAMETER Name
    The backup (clone) to restore, e.g. zz_avocado2-02-201909250241. Accepts the Name property
    of Get-VmrBackup output.

    .PARAMETER NewName
    The restored VM's name. Default: <vm>-restored-<yyyyMMddHHmm>.

    .PARAMETER VMHost
    The host to run it on. Default: the backup's host.

    .PARAMETER Datastore
    The datastore for its files (not with -RegisterOnly). Default: the backup's datastore.

    .PARAMETER Folder
    The VM folder for it, created if missing. Default: the datacenter's VM folder.

    .PARAMETER PowerOn
    Power the restored VM on.

    .PARAMETER RegisterOnly
    Register the backup's own files instead of copying them.

    .PARAMETER Server
    The connection to use. Default: the default connection.

    .EXAMPLE
    Restore-VmrBackup zz_avocado2-02-201909250241 -NewName avocado2-restored -VMHost esxi2.example.lan

    Restores one generation onto the second host, after confirmation.

    .EXAMPLE
    Get-VmrBackup avocado2 | Select-Object -Last 1 | Restore-VmrBackup -NewName avocado2-test -PowerOn -Confirm:$false

    Restores the newest generation and starts it, without asking.

    .OUTPUTS
    VmRotate.RestoreReport: vm, from, register_only, host, datastore, powered_on, warnings.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('VmRotate.RestoreReport')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [Alias('As')]
        [string] $NewName,

        [string] $VMHost,

        [string] $Datastore,

        [string] $Folder,

        [switch] $PowerOn,

        [switch] $RegisterOnly,

        [object] $Server
    )
    process {
        $request = @{ op = 'restore'; clone = $Name; power_on = [bool]$PowerOn; register_only = [bool]$RegisterOnly }
        if ($PSBoundParameters.ContainsKey('NewName')) { $request.new_name = $NewName }
        if ($PSBoundParameters.ContainsKey('VMHost')) { $request.host = $VMHost }
        if ($PSBoundParameters.ContainsKey('Datastore')) { $request.datastore = $Datastore }
        if ($PSBoundParameters.ContainsKey('Folder')) { $request.folder = $Folder }
        $how = if ($RegisterOnly) { 'Register its files as a VM' } else { 'Restore as a new VM' }
        if ($NewName) { $how += " named $NewName" }
        if (-not $PSCmdlet.ShouldProcess($Name, $how)) { return }
        try {
            $connection = Resolve-VmrConnection $Server
            $restored = Invoke-VmrRequest $connection $request
        } catch {
            $PSCmdlet.WriteError((New-VmrErrorRecord $_.Exception $Name))
            return
        }
        foreach ($warning in @($restored.warnings)) {
            Write-Warning "$($restored.vm): $warning"
        }
        ConvertTo-VmrObject $restored | Add-VmrTypeName 'VmRotate.RestoreReport'
    }
}

function Unlock-VmrBackup {
    <#
    .SYNOPSIS
    Clears a VM's backup lock: removes the snapshot a crashed vmrotate run left behind.

    .DESCRIPTION
    A backup run holds a VM's lock through its snapshot ("vmrotate-run <id>"). If that run
    crashed, the lock clears itself after a while; Unlock-VmrBackup removes such snapshots now.
    Use it only when no run is backing up the VM. Supports -WhatIf and -Confirm.

    .PARAMETER VM
    The VMs to unlock, by name or as objects with a Name (e.g. from Get-VM), from the pipeline.

    .PARAMETER Server
    A connection from Connect-VmrServer. Default: the last one made.

    .EXAMPLE
    Unlock-VmrBackup avocado2

    .OUTPUTS
    System.String: the name of each snapshot removed.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Name')]
        [ValidateNotNullOrEmpty()]
        [string[]] $VM,

        [object] $Server
    )
    process {
        foreach ($name in $VM) {
            if (-not $PSCmdlet.ShouldProcess($name, 'Remove the backup lock (vmrotate-run snapshots)')) { continue }
            try {
                $connection = Resolve-VmrConnection $Server
                Invoke-VmrRequest $connection @{ op = 'unlock'; vm = $name } | ForEach-Object { $_ }
            } catch {
                $PSCmdlet.WriteError((New-VmrErrorRecord $_.Exception $name))
            }
        }
    }
}

Export-ModuleMember -Function @(
    'Connect-VmrServer'
    'Disconnect-VmrServer'
    'Get-VmrBackup'
    'Get-VmrBackupPlan'
    'Get-VmrRetentionPlan'
    'Invoke-VmrBackup'
    'Restore-VmrBackup'
    'Unlock-VmrBackup'
)
