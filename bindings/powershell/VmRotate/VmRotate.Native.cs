// VmRotate.Native.cs: the C# layer over the vmrotate native library's JSON C ABI
// (bindings/native, docs/native-abi.md).
//
// Written to C# 5 so that one file compiles in Windows PowerShell 5.1's Add-Type (.NET
// Framework), PowerShell 7's Add-Type (.NET) and Mono's mcs. It loads the native library by
// absolute path (LoadLibrary or dlopen), passes UTF-8 bytes in and reads UTF-8 bytes out,
// keeps each client in a SafeHandle, and turns error replies into typed exceptions. It adds no
// behaviour: every request and reply is the library's.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace VmRotate.Native
{
    /// <summary>A failure the native library reported, with its kind, the vSphere fault behind
    /// it (or null) and a message that says what to do. Subclasses exist per kind.</summary>
    public class VmrException : Exception
    {
        private readonly string kind;
        private readonly string fault;
        private string[] faultAncestors = new string[0];
        private string seenThumbprint;

        public VmrException(string kind, string fault, string message) : base(message)
        {
            this.kind = kind;
            this.fault = fault;
        }

        /// <summary>The error kind, e.g. "login", "not_found", "invalid_request".</summary>
        public string Kind { get { return kind; } }

        /// <summary>The vim25 fault type behind the error, e.g. "InvalidLogin", or null.</summary>
        public string Fault { get { return fault; } }

        /// <summary>Fault, then its ancestors up to "MethodFault"; empty without a fault.</summary>
        public string[] FaultAncestors { get { return (string[])faultAncestors.Clone(); } }

        /// <summary>The SHA-256 thumbprint of a server certificate that was rejected, or null.</summary>
        public string SeenThumbprint { get { return seenThumbprint; } }

        /// <summary>Sets the error's other fields (docs/native-abi.md), e.g. from a report's error.</summary>
        public VmrException WithDetails(string[] ancestors, string thumbprint)
        {
            faultAncestors = ancestors ?? new string[0];
            seenThumbprint = thumbprint;
            return this;
        }

        /// <summary>Whether the input must be fixed and nothing was changed.</summary>
        public bool IsUsage
        {
            get
            {
                return kind == "config" || kind == "not_found" || kind == "ambiguous"
                    || kind == "preflight" || kind == "login" || kind == "invalid_request";
            }
        }

        /// <summary>The exception type for an error reply of this kind.</summary>
        public static VmrException Create(string kind, string fault, string message)
        {
            switch (kind)
            {
                case "config": return new VmrConfigException(fault, message);
                case "not_found": return new VmrNotFoundException(fault, message);
                case "ambiguous": return new VmrAmbiguousException(fault, message);
                case "preflight": return new VmrPreflightException(fault, message);
                case "login": return new VmrLoginException(fault, message);
                case "tls": return new VmrTlsException(fault, message);
                case "timeout": return new VmrTimeoutException(fault, message);
                case "locked": return new VmrLockedException(fault, message);
                case "refused": return new VmrRefusedException(fault, message);
                case "verify": return new VmrVerifyException(fault, message);
                case "incomplete": return new VmrIncompleteException(fault, message);
                case "stopped": return new VmrStoppedException(fault, message);
                case "vsphere": return new VmrServerException(fault, message);
                case "invalid_request": return new VmrInvalidRequestException(fault, message);
                default: return new VmrInternalException(kind, fault, message);
            }
        }
    }

    /// <summary>The request was cancelled (<see cref="VmrClient.Cancel"/>) and stopped; the
    /// message says what it cleaned up or may have left.</summary>
    public sealed class VmrStoppedException : VmrException
    {
        public VmrStoppedException(string fault, string message) : base("stopped", fault, message) { }
    }

    /// <summary>A setting is missing or invalid; nothing was changed.</summary>
    public sealed class VmrConfigException : VmrException
    {
        public VmrConfigException(string fault, string message) : base("config", fault, message) { }
    }

    /// <summary>A VM, datastore, host, pool, folder or backup does not exist.</summary>
    public sealed class VmrNotFoundException : VmrException
    {
        public VmrNotFoundException(string fault, string message) : base("not_found", fault, message) { }
    }

    /// <summary>A name or prefix matches several objects where it must match one.</summary>
    public sealed class VmrAmbiguousException : VmrException
    {
        public VmrAmbiguousException(string fault, string message) : base("ambiguous", fault, message) { }
    }

    /// <summary>A check before the backup failed; nothing was changed.</summary>
    public sealed class VmrPreflightException : VmrException
    {
        public VmrPreflightException(string fault, string message) : base("preflight", fault, message) { }
    }

    /// <summary>The server rejected the user name or password.</summary>
    public sealed class VmrLoginException : VmrException
    {
        public VmrLoginException(string fault, string message) : base("login", fault, message) { }
    }

    /// <summary>The server's certificate was rejected (see SeenThumbprint), or TLS failed.</summary>
    public sealed class VmrTlsException : VmrException
    {
        public VmrTlsException(string fault, string message) : base("tls", fault, message) { }
    }

    /// <summary>A vCenter task or request did not finish in the time allowed.</summary>
    public sealed class VmrTimeoutException : VmrException
    {
        public VmrTimeoutException(string fault, string message) : base("timeout", fault, message) { }
    }

    /// <summary>Another run holds the VM's lock (its snapshot).</summary>
    public sealed class VmrLockedException : VmrException
    {
        public VmrLockedException(string fault, string message) : base("locked", fault, message) { }
    }

    /// <summary>An unsafe step was refused, e.g. restoring onto an existing VM's name.</summary>
    public sealed class VmrRefusedException : VmrException
    {
        public VmrRefusedException(string fault, string message) : base("refused", fault, message) { }
    }

    /// <summary>The new clone could not be verified; nothing was deleted.</summary>
    public sealed class VmrVerifyException : VmrException
    {
        public VmrVerifyException(string fault, string message) : base("verify", fault, message) { }
    }

    /// <summary>A step failed after others had changed things; the message says what to do.</summary>
    public sealed class VmrIncompleteException : VmrException
    {
        public VmrIncompleteException(string fault, string message) : base("incomplete", fault, message) { }
    }

    /// <summary>Any other failure of the server or the connection to it.</summary>
    public sealed class VmrServerException : VmrException
    {
        public VmrServerException(string fault, string message) : base("vsphere", fault, message) { }
    }

    /// <summary>The request was null, not UTF-8 or not of the schema: a bug in the caller.</summary>
    public sealed class VmrInvalidRequestException : VmrException
    {
        public VmrInvalidRequestException(string fault, string message) : base("invalid_request", fault, message) { }
    }

    /// <summary>The library failed internally (a caught panic) or could not be loaded.</summary>
    public sealed class VmrInternalException : VmrException
    {
        public VmrInternalException(string kind, string fault, string message) : base(kind, fault, message) { }
    }

    /// <summary>The native library: loading it, and the calls that need no client.</summary>
    public static class VmrLibrary
    {
        /// <summary>The ABI version this file is written against.</summary>
        public const int AbiVersion = 1;

        private static readonly object loadLock = new object();
        private static NativeApi api;
        private static string loadedPath;

        /// <summary>The absolute path the library was loaded from, or null.</summary>
        public static string LoadedPath { get { return loadedPath; } }

        /// <summary>Loads the native library from <paramref name="path"/> (absolute) once per
        /// process and checks its ABI version. Loading again from the same path does nothing.</summary>
        public static void Load(string path)
        {
            if (path == null || !System.IO.Path.IsPathRooted(path))
            {
                throw new ArgumentException("the native library's path must be absolute: " + path, "path");
            }
            lock (loadLock)
            {
                if (api != null)
                {
                    if (!string.Equals(loadedPath, path, StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException("the vmrotate native library is already loaded from "
                            + loadedPath + "; start a new PowerShell session to load " + path);
                    }
                    return;
                }
                NativeApi loaded = NativeApi.Open(path);
                Dictionary<string, object> version = AsObject(Unwrap(loaded, loaded.Version()), "the version");
                long abi = Convert.ToInt64(version["abi"], CultureInfo.InvariantCulture);
                if (abi != AbiVersion)
                {
                    throw new VmrInternalException("internal", null, "the native library at " + path
                        + " has ABI version " + abi + " but this module needs " + AbiVersion
                        + ": install the module's own build of the library");
                }
                api = loaded;
                loadedPath = path;
            }
        }

        /// <summary>The native library's version, e.g. "0.1.0".</summary>
        public static string Version()
        {
            NativeApi loaded = Api;
            Dictionary<string, object> version = AsObject(Unwrap(loaded, loaded.Version()), "the version");
            return (string)version["version"];
        }

        /// <summary>Plans one rotation offline; returns the plan as JSON.</summary>
        public static string Plan(string requestJson)
        {
            NativeApi loaded = Api;
            return UnwrapText(loaded, loaded.Plan(Utf8.Encode(requestJson)));
        }

        /// <summary>Applies a time-based retention policy offline; returns the decision
        /// (keep, remove, reasons) as JSON.</summary>
        public static string RetentionPlan(string requestJson)
        {
            NativeApi loaded = Api;
            return UnwrapText(loaded, loaded.RetentionPlan(Utf8.Encode(requestJson)));
        }

        internal static NativeApi Api
        {
            get
            {
                NativeApi loaded = api;
                if (loaded == null)
                {
                    throw new InvalidOperationException("the vmrotate native library is not loaded: call VmrLibrary.Load first");
                }
                return loaded;
            }
        }

        /// <summary>Reads and frees a reply; returns the JSON text of its "ok" value, or
        /// throws the typed exception of its "error".</summary>
        internal static string UnwrapText(NativeApi api, IntPtr reply)
        {
            return Unwrap(api, reply).OkJson;
        }

        private static Reply Unwrap(NativeApi api, IntPtr reply)
        {
            return Reply.Parse(Utf8.Take(reply, api.StringFree));
        }

        private static Dictionary<string, object> AsObject(Reply reply, string what)
        {
            Dictionary<string, object> value = VmrJson.Parse(reply.OkJson) as Dictionary<string, object>;
            if (value == null)
            {
                throw new VmrInternalException("internal", null, what + " is not a JSON object: " + reply.OkJson);
            }
            return value;
        }
    }

    /// <summary>A connection to vCenter with its own runtime in the native library. Dispose
    /// it (after <see cref="Logout"/> to end the session).</summary>
    public sealed class VmrClient : IDisposable
    {
        private readonly VmrClientHandle handle;
        private readonly string serverJson;

        private VmrClient(VmrClientHandle handle, string serverJson)
        {
            this.handle = handle;
            this.serverJson = serverJson;
        }

        /// <summary>What the client is logged in to, as JSON (url, username, server, version,
        /// api_version).</summary>
        public string ServerJson { get { return serverJson; } }

        /// <summary>Connects and logs in as <paramref name="configJson"/> says.</summary>
        public static VmrClient Connect(string configJson)
        {
            NativeApi api = VmrLibrary.Api;
            VmrClientHandle handle = new VmrClientHandle(api);
            IntPtr raw = IntPtr.Zero;
            IntPtr reply = api.ClientNew(Utf8.Encode(configJson), ref raw);
            handle.Adopt(raw);
            try
            {
                return new VmrClient(handle, VmrLibrary.UnwrapText(api, reply));
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        /// <summary>Runs one request ({"op": ...}) to its end; returns the reply's JSON.</summary>
        public string Call(string requestJson)
        {
            bool added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                NativeApi api = VmrLibrary.Api;
                IntPtr reply = api.Call(handle.DangerousGetHandle(), Utf8.Encode(requestJson));
                return VmrLibrary.UnwrapText(api, reply);
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        /// <summary>Runs one request on a worker thread and, every <paramref name="pollMilliseconds"/>
        /// until it ends, hands each progress event to <paramref name="onEvent"/> (may be null)
        /// and asks <paramref name="stopping"/> (may be null) whether to stop, both on the
        /// calling thread (so PowerShell script blocks may call Write-Progress and read
        /// $PSCmdlet.Stopping). When stopping returns true, or either throws (PowerShell stopping
        /// the pipeline on Ctrl+C), the request is cancelled (<see cref="Cancel"/>) and the call
        /// waits until it has cleaned up (a backup: its clone task cancelled, an unverified
        /// clone deleted, its snapshot removed), then returns the reply or rethrows. Returns
        /// the reply's JSON.</summary>
        public string Call(string requestJson, Action<Dictionary<string, object>> onEvent, Func<bool> stopping, int pollMilliseconds)
        {
            string result = null;
            Exception failure = null;
            Thread worker = new Thread(delegate()
            {
                try
                {
                    result = Call(requestJson);
                }
                catch (Exception error)
                {
                    failure = error;
                }
            });
            worker.IsBackground = true;
            worker.Start();
            Exception interruption = null;
            try
            {
                while (!worker.Join(pollMilliseconds))
                {
                    if (onEvent != null)
                    {
                        DeliverEvents(onEvent);
                    }
                    if (stopping != null && stopping())
                    {
                        break;
                    }
                }
                if (onEvent != null && !worker.IsAlive)
                {
                    DeliverEvents(onEvent);
                }
            }
            catch (Exception error)
            {
                interruption = error;
            }
            // Cancel again until the request ends: the first may come before it is in flight.
            while (worker.IsAlive)
            {
                Cancel();
                worker.Join(pollMilliseconds);
            }
            if (interruption != null)
            {
                ExceptionDispatchInfo.Capture(interruption).Throw();
            }
            if (failure != null)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
            return result;
        }

        /// <summary>Asks the requests running on this client (on other threads) to stop, and
        /// returns at once with how many there were (vmr_cancel). A backup then cleans up and
        /// reports each stopped VM with error kind "stopped"; a list, restore or unlock throws
        /// <see cref="VmrStoppedException"/>.</summary>
        public int Cancel()
        {
            bool added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                NativeApi api = VmrLibrary.Api;
                string reply = VmrLibrary.UnwrapText(api, api.Cancel(handle.DangerousGetHandle()));
                return Convert.ToInt32(VmrJson.Parse(reply), CultureInfo.InvariantCulture);
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        /// <summary>The progress events queued since the last poll, oldest first.</summary>
        public List<Dictionary<string, object>> PollEvents()
        {
            List<Dictionary<string, object>> events = new List<Dictionary<string, object>>();
            List<object> polled = VmrJson.Parse(Call("{\"op\":\"events\"}")) as List<object>;
            if (polled != null)
            {
                foreach (object item in polled)
                {
                    Dictionary<string, object> progress = item as Dictionary<string, object>;
                    if (progress != null)
                    {
                        events.Add(progress);
                    }
                }
            }
            return events;
        }

        /// <summary>Logs out and closes the session; later calls fail.</summary>
        public void Logout()
        {
            Call("{\"op\":\"logout\"}");
        }

        /// <summary>Frees the native client (without logging out).</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        private void DeliverEvents(Action<Dictionary<string, object>> onEvent)
        {
            foreach (Dictionary<string, object> progress in PollEvents())
            {
                onEvent(progress);
            }
        }
    }

    /// <summary>A native client pointer, freed with vmr_client_free exactly once.</summary>
    public sealed class VmrClientHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        private readonly NativeApi api;

        internal VmrClientHandle(NativeApi api) : base(true)
        {
            this.api = api;
        }

        internal void Adopt(IntPtr raw)
        {
            SetHandle(raw);
        }

        protected override bool ReleaseHandle()
        {
            api.ClientFree(handle);
            return true;
        }
    }

    /// <summary>A parsed reply: the JSON text of "ok", or the error thrown as a typed exception.</summary>
    internal sealed class Reply
    {
        private readonly string okJson;

        private Reply(string okJson)
        {
            this.okJson = okJson;
        }

        public string OkJson { get { return okJson; } }

        public static Reply Parse(string text)
        {
            VmrJson.Member member = VmrJson.SingleMember(text);
            if (member.Name == "ok")
            {
                return new Reply(member.Json);
            }
            Dictionary<string, object> error = VmrJson.Parse(member.Json) as Dictionary<string, object>;
            if (member.Name != "error" || error == null)
            {
                throw new VmrInternalException("internal", null, "the native library's reply is neither ok nor error: " + text);
            }
            throw VmrException.Create(Text(error, "kind"), Text(error, "fault"), Text(error, "message"))
                .WithDetails(Texts(error, "fault_ancestors"), Text(error, "seen_thumbprint"));
        }

        private static string[] Texts(Dictionary<string, object> fields, string name)
        {
            object value;
            List<object> items = fields.TryGetValue(name, out value) ? value as List<object> : null;
            if (items == null)
            {
                return new string[0];
            }
            return items.ConvertAll(delegate(object item) { return item as string; }).ToArray();
        }

        private static string Text(Dictionary<string, object> fields, string name)
        {
            object value;
            return fields.TryGetValue(name, out value) ? value as string : null;
        }
    }

    /// <summary>UTF-8 in and out of the native library.</summary>
    internal static class Utf8
    {
        private static readonly Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>The NUL-terminated UTF-8 bytes of <paramref name="text"/>; null stays null
        /// (the library answers that with an invalid_request error).</summary>
        public static byte[] Encode(string text)
        {
            if (text == null)
            {
                return null;
            }
            byte[] bytes = new byte[Strict.GetByteCount(text) + 1];
            Strict.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        /// <summary>Reads the NUL-terminated UTF-8 string at <paramref name="reply"/>, then frees it.</summary>
        public static string Take(IntPtr reply, NativeApi.FreeString free)
        {
            if (reply == IntPtr.Zero)
            {
                throw new VmrInternalException("internal", null, "the native library returned no reply");
            }
            try
            {
                int length = 0;
                while (Marshal.ReadByte(reply, length) != 0)
                {
                    length++;
                }
                byte[] bytes = new byte[length];
                Marshal.Copy(reply, bytes, 0, length);
                return Strict.GetString(bytes);
            }
            finally
            {
                free(reply);
            }
        }
    }

    /// <summary>The native library's functions, found by name in the library loaded by path.</summary>
    internal sealed class NativeApi
    {
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate IntPtr VersionFn();

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate IntPtr PlanFn(byte[] requestJson);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate IntPtr ClientNewFn(byte[] configJson, ref IntPtr client);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate IntPtr CallFn(IntPtr client, byte[] requestJson);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate IntPtr CancelFn(IntPtr client);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void FreeClient(IntPtr client);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void FreeString(IntPtr text);

        public VersionFn Version;
        public PlanFn Plan;
        public PlanFn RetentionPlan;
        public ClientNewFn ClientNew;
        public CallFn Call;
        public CancelFn Cancel;
        public FreeClient ClientFree;
        public FreeString StringFree;

        public static NativeApi Open(string path)
        {
            IntPtr library = NativeLoader.Open(path);
            NativeApi api = new NativeApi();
            api.Version = Function<VersionFn>(library, "vmr_version");
            api.Plan = Function<PlanFn>(library, "vmr_plan");
            api.RetentionPlan = Function<PlanFn>(library, "vmr_retention_plan");
            api.ClientNew = Function<ClientNewFn>(library, "vmr_client_new");
            api.Call = Function<CallFn>(library, "vmr_call");
            api.Cancel = Function<CancelFn>(library, "vmr_cancel");
            api.ClientFree = Function<FreeClient>(library, "vmr_client_free");
            api.StringFree = Function<FreeString>(library, "vmr_string_free");
            return api;
        }

        private static T Function<T>(IntPtr library, string name)
        {
            return Marshal.GetDelegateForFunctionPointer<T>(NativeLoader.Symbol(library, name));
        }
    }

    /// <summary>Loads a native library by absolute path: LoadLibraryW on Windows, dlopen
    /// elsewhere (libdl.so.2 on Linux, libSystem on macOS). PowerShell's own probing of module
    /// folders is unreliable, so the path is always explicit.</summary>
    internal static class NativeLoader
    {
        private const int RtldNow = 2;

        private static bool IsWindows
        {
            get { return Environment.OSVersion.Platform == PlatformID.Win32NT; }
        }

        public static IntPtr Open(string path)
        {
            if (IsWindows)
            {
                IntPtr module = Kernel32.LoadLibraryW(path);
                if (module == IntPtr.Zero)
                {
                    throw LoadFailure(path, "Windows error " + Marshal.GetLastWin32Error());
                }
                return module;
            }
            IntPtr library = Dl.Open(path, RtldNow);
            if (library == IntPtr.Zero)
            {
                throw LoadFailure(path, Dl.Error());
            }
            return library;
        }

        public static IntPtr Symbol(IntPtr library, string name)
        {
            IntPtr symbol = IsWindows ? Kernel32.GetProcAddress(library, name) : Dl.Symbol(library, name);
            if (symbol == IntPtr.Zero)
            {
                throw new VmrInternalException("internal", null, "the native library lacks " + name
                    + ": it is not the vmrotate library this module was built with; reinstall the module");
            }
            return symbol;
        }

        private static VmrInternalException LoadFailure(string path, string reason)
        {
            return new VmrInternalException("internal", null, "cannot load the vmrotate native library "
                + path + " (" + reason + "): check that the module was built for this platform");
        }

        private static class Kernel32
        {
            [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
            public static extern IntPtr LoadLibraryW(string path);

            [DllImport("kernel32", CharSet = CharSet.Ansi, SetLastError = true, BestFitMapping = false)]
            public static extern IntPtr GetProcAddress(IntPtr module, string name);
        }

        /// <summary>dlopen and friends, from glibc's libdl.so.2, else macOS's libSystem.</summary>
        private static class Dl
        {
            public static IntPtr Open(string path, int flags)
            {
                try
                {
                    return LibDl.dlopen(path, flags);
                }
                catch (DllNotFoundException)
                {
                    return LibSystem.dlopen(path, flags);
                }
            }

            public static IntPtr Symbol(IntPtr library, string name)
            {
                try
                {
                    return LibDl.dlsym(library, name);
                }
                catch (DllNotFoundException)
                {
                    return LibSystem.dlsym(library, name);
                }
            }

            public static string Error()
            {
                IntPtr message;
                try
                {
                    message = LibDl.dlerror();
                }
                catch (DllNotFoundException)
                {
                    message = LibSystem.dlerror();
                }
                return message == IntPtr.Zero ? "unknown error" : Marshal.PtrToStringAnsi(message);
            }
        }

        private static class LibDl
        {
            [DllImport("libdl.so.2")]
            public static extern IntPtr dlopen(string path, int flags);

            [DllImport("libdl.so.2")]
            public static extern IntPtr dlsym(IntPtr library, string name);

            [DllImport("libdl.so.2")]
            public static extern IntPtr dlerror();
        }

        private static class LibSystem
        {
            [DllImport("/usr/lib/libSystem.B.dylib")]
            public static extern IntPtr dlopen(string path, int flags);

            [DllImport("/usr/lib/libSystem.B.dylib")]
            public static extern IntPtr dlsym(IntPtr library, string name);

            [DllImport("/usr/lib/libSystem.B.dylib")]
            public static extern IntPtr dlerror();
        }
    }

    /// <summary>A small JSON reader for replies and events: objects become
    /// Dictionary&lt;string, object&gt;, arrays List&lt;object&gt;, numbers long or double,
    /// and true, false, null and strings their .NET values.</summary>
    public static class VmrJson
    {
        /// <summary>The value of <paramref name="text"/>.</summary>
        public static object Parse(string text)
        {
            Reader reader = new Reader(text);
            object value = reader.Value();
            reader.End();
            return value;
        }

        /// <summary>The name and JSON text of the one member of the object <paramref name="text"/>.</summary>
        internal static Member SingleMember(string text)
        {
            Reader reader = new Reader(text);
            reader.Expect('{');
            string name = reader.String();
            reader.Expect(':');
            int start = reader.Position;
            reader.Value();
            string json = text.Substring(start, reader.Position - start).Trim();
            reader.Expect('}');
            reader.End();
            return new Member(name, json);
        }

        internal struct Member
        {
            public readonly string Name;
            public readonly string Json;

            public Member(string name, string json)
            {
                Name = name;
                Json = json;
            }
        }

        private sealed class Reader
        {
            private readonly string text;
            private int position;

            public Reader(string text)
            {
                if (text == null)
                {
                    throw new ArgumentNullException("text");
                }
                this.text = text;
            }

            public int Position { get { return position; } }

            public object Value()
            {
                SkipSpace();
                char next = Peek();
                switch (next)
                {
                    case '{': return Object();
                    case '[': return Array();
                    case '"': return String();
                    case 't': Word("true"); return true;
                    case 'f': Word("false"); return false;
                    case 'n': Word("null"); return null;
                    default:
                        if (next == '-' || (next >= '0' && next <= '9'))
                        {
                            return Number();
                        }
                        throw Fail("a value");
                }
            }

            public void Expect(char wanted)
            {
                SkipSpace();
                if (Peek() != wanted)
                {
                    throw Fail("'" + wanted + "'");
                }
                position++;
            }

            public void End()
            {
                SkipSpace();
                if (position != text.Length)
                {
                    throw Fail("the end of the text");
                }
            }

            public string String()
            {
                Expect('"');
                StringBuilder builder = new StringBuilder();
                while (true)
                {
                    char next = Next();
                    if (next == '"')
                    {
                        return builder.ToString();
                    }
                    if (next != '\\')
                    {
                        builder.Append(next);
                        continue;
                    }
                    char escaped = Next();
                    switch (escaped)
                    {
                        case '"': builder.Append('"'); break;
                        case '\\': builder.Append('\\'); break;
                        case '/': builder.Append('/'); break;
                        case 'b': builder.Append('\b'); break;
                        case 'f': builder.Append('\f'); break;
                        case 'n': builder.Append('\n'); break;
                        case 'r': builder.Append('\r'); break;
                        case 't': builder.Append('\t'); break;
                        case 'u':
                            if (position + 4 > text.Length)
                            {
                                throw Fail("four hex digits");
                            }
                            builder.Append((char)int.Parse(text.Substring(position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                            position += 4;
                            break;
                        default: throw Fail("an escape sequence");
                    }
                }
            }

            private Dictionary<string, object> Object()
            {
                Dictionary<string, object> fields = new Dictionary<string, object>();
                Expect('{');
                SkipSpace();
                if (Peek() == '}')
                {
                    position++;
                    return fields;
                }
                while (true)
                {
                    string name = String();
                    Expect(':');
                    fields[name] = Value();
                    SkipSpace();
                    char next = Next();
                    if (next == '}')
                    {
                        return fields;
                    }
                    if (next != ',')
                    {
                        throw Fail("',' or '}'");
                    }
                }
            }

            private List<object> Array()
            {
                List<object> items = new List<object>();
                Expect('[');
                SkipSpace();
                if (Peek() == ']')
                {
                    position++;
                    return items;
                }
                while (true)
                {
                    items.Add(Value());
                    SkipSpace();
                    char next = Next();
                    if (next == ']')
                    {
                        return items;
                    }
                    if (next != ',')
                    {
                        throw Fail("',' or ']'");
                    }
                }
            }

            private object Number()
            {
                int start = position;
                while (position < text.Length && "+-0123456789.eE".IndexOf(text[position]) >= 0)
                {
                    position++;
                }
                string number = text.Substring(start, position - start);
                long integer;
                if (long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out integer))
                {
                    return integer;
                }
                double real;
                if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out real))
                {
                    return real;
                }
                throw Fail("a number");
            }

            private void Word(string word)
            {
                if (string.CompareOrdinal(text, position, word, 0, word.Length) != 0)
                {
                    throw Fail(word);
                }
                position += word.Length;
            }

            private void SkipSpace()
            {
                while (position < text.Length && (text[position] == ' ' || text[position] == '\t'
                    || text[position] == '\n' || text[position] == '\r'))
                {
                    position++;
                }
            }

            private char Peek()
            {
                return position < text.Length ? text[position] : '\0';
            }

            private char Next()
            {
                if (position >= text.Length)
                {
                    throw Fail("more text");
                }
                return text[position++];
            }

            private FormatException Fail(string expected)
            {
                return new FormatException("invalid JSON at offset " + position + ": expected " + expected);
            }
        }
    }
}
