// NativeTests.cs: VmRotate.Native.cs against the real native library and VMware's vCenter
// simulator, under Mono. scripts/test-native.sh compiles both files with mcs and runs:
//
//   mono NativeTests.exe /abs/path/libvmrotate_native.so /path/to/vcsim-launcher
//
// Prints one line per test and "N passed, N failed"; exits 1 if any failed.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using VmRotate.Native;

internal static class NativeTests
{
    private static int passed;
    private static int failed;

    private static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: NativeTests.exe <absolute path of the native library> <vcsim launcher>");
            return 2;
        }
        VmrLibrary.Load(Path.GetFullPath(args[0]));
        Run("version", Version);
        Run("offline plan", OfflinePlan);
        Run("bad requests are typed exceptions", BadRequests);
        Run("offline retention plan", RetentionPlan);
        using (Simulator simulator = Simulator.Start(args[1]))
        {
            Run("wrong password is a VmrLoginException", delegate { WrongPassword(simulator); });
            VmrClient client = null;
            Run("connect", delegate { client = Connect(simulator); });
            if (client != null)
            {
                Run("dry run changes nothing and reports progress", delegate { DryRun(client); });
                Run("backup", delegate { Backup(client); });
                Run("list", delegate { List(client); });
                Run("restore", delegate { Restore(client); });
                Run("logout and dispose", delegate { LogoutAndDispose(client); });
            }
        }
        Run("TLS: untrusted is a VmrTlsException with the seen thumbprint; ca_file and the pin connect",
            delegate { Tls(args[1]); });
        using (Simulator slow = Simulator.Start(args[1], " -async-task CloneVM_Task=" + CloneMilliseconds))
        {
            VmrClient client = null;
            Run("connect (clones take " + CloneMilliseconds + " ms)", delegate { client = Connect(slow); });
            if (client != null)
            {
                Run("Cancel from another thread stops a backup mid-clone", delegate { CancelFromAnotherThread(client); });
                Run("a stopping callback cancels a backup mid-clone", delegate { StoppingCallback(client); });
                Run("a call after a cancel runs", delegate { Equal(0, Generations(client).Count); });
                client.Dispose();
            }
        }
        Console.WriteLine("{0} passed, {1} failed", passed, failed);
        return failed == 0 ? 0 : 1;
    }

    private static void Run(string name, Action test)
    {
        try
        {
            test();
            passed++;
            Console.WriteLine("ok   " + name);
        }
        catch (Exception error)
        {
            failed++;
            Console.WriteLine("FAIL " + name + ": " + error);
        }
    }

    private static void Version()
    {
        string version = VmrLibrary.Version();
        Check(System.Text.RegularExpressions.Regex.IsMatch(version, @"^\d+\.\d+\.\d+"), "a semantic version: " + version);
        VmrLibrary.Load(VmrLibrary.LoadedPath);
    }

    private static void OfflinePlan()
    {
        Dictionary<string, object> plan = Object(VmrLibrary.Plan(
            "{\"key\":\"avocado2\",\"slots\":4,\"stamp\":\"201909260241\",\"names\":[\"avocado2\","
            + "\"zz_avocado2-02-201909230241\",\"zz_avocado2-03-201909240241\",\"zz_avocado2-04-201909250241\"]}"));
        Equal("zz_avocado2-01-201909260241", plan["new_clone"]);
        List<object> actions = (List<object>)plan["actions"];
        Equal("create", Object(actions[0])["op"]);
        Equal("delete", Object(actions[1])["op"]);
        Equal("zz_avocado2-02-201909230241", Object(actions[1])["name"]);
        Equal(1L, plan["current"]);
        Equal(2L, plan["prev"]);
    }

    private static void BadRequests()
    {
        VmrConfigException slots = Throws<VmrConfigException>(delegate { VmrLibrary.Plan("{\"key\":\"avocado2\",\"slots\":1}"); });
        Check(slots.Message.Contains("at least 2 slots"), slots.Message);
        Check(slots.IsUsage, "a config error is a usage error");
        VmrInvalidRequestException json = Throws<VmrInvalidRequestException>(delegate { VmrLibrary.Plan("{\"key\":"); });
        Equal("invalid_request", json.Kind);
        Throws<VmrInvalidRequestException>(delegate { VmrLibrary.Plan(null); });
        Dictionary<string, object> unicode = Object(VmrLibrary.Plan("{\"key\":\"avocado\u00e9\",\"stamp\":\"201909260241\"}"));
        Equal("zz_avocado\u00e9-01-201909260241", unicode["new_clone"]);
    }

    private static void RetentionPlan()
    {
        Dictionary<string, object> decision = Object(VmrLibrary.RetentionPlan(
            "{\"flavor\":\"restic\",\"rules\":{\"keep_daily\":2},\"now\":\"2024-06-05T00:00:00Z\",\"snapshots\":["
            + "{\"id\":\"mon\",\"time\":\"2024-06-03T23:00:00Z\"},"
            + "{\"id\":\"tue-early\",\"time\":\"2024-06-04T01:00:00Z\"},"
            + "{\"id\":\"tue\",\"time\":\"2024-06-04T12:00:00Z\",\"tags\":[\"prod\"]}]}"));
        List<object> keep = (List<object>)decision["keep"];
        Equal(2, keep.Count);
        Equal("tue", keep[0]);
        Equal("mon", keep[1]);
        Equal("tue-early", ((List<object>)decision["remove"])[0]);
        Equal("daily snapshot", ((List<object>)Object(decision["reasons"])["tue"])[0]);
        VmrConfigException empty = Throws<VmrConfigException>(delegate
        {
            VmrLibrary.RetentionPlan("{\"flavor\":\"restic\",\"rules\":{},\"snapshots\":[]}");
        });
        Check(empty.Message.Contains("set at least one keep rule"), empty.Message);
        Throws<VmrInvalidRequestException>(delegate { VmrLibrary.RetentionPlan("{\"flavor\":\"tarsnap\"}"); });
    }

    private static string Config(Simulator simulator, string password)
    {
        return "{\"url\":" + Quote(simulator.Url) + ",\"username\":\"vmrotate\",\"password\":" + Quote(password) + "}";
    }

    private static void WrongPassword(Simulator simulator)
    {
        VmrLoginException login = Throws<VmrLoginException>(delegate { VmrClient.Connect(Config(simulator, "not-the-password")); });
        Equal("InvalidLogin", login.Fault);
        Equal("InvalidLogin,VimFault,MethodFault", string.Join(",", login.FaultAncestors));
        Equal(null, login.SeenThumbprint);
        Check(!login.Message.Contains("not-the-password"), "the message hides the password: " + login.Message);
    }

    private static void Tls(string launcher)
    {
        string directory = Path.Combine(Path.GetTempPath(), "vmrotate-mono-tls-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string cert = Path.Combine(directory, "cert.pem");
        string key = Path.Combine(directory, "key.pem");
        ProcessStartInfo openssl = new ProcessStartInfo("openssl",
            "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
            + " -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
            // Not a CA: rustls refuses a CA certificate as the server's own.
            + " -addext basicConstraints=critical,CA:FALSE -keyout " + key + " -out " + cert);
        openssl.UseShellExecute = false;
        openssl.RedirectStandardError = true;
        using (Process process = Process.Start(openssl))
        {
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            Check(process.ExitCode == 0, "openssl made a certificate");
        }
        string expected;
        using (SHA256 sha = SHA256.Create())
        {
            byte[] hash = sha.ComputeHash(new X509Certificate2(cert).RawData);
            expected = BitConverter.ToString(hash).Replace("-", ":");
        }
        using (Simulator simulator = Simulator.Start(launcher, " -tls-cert " + cert + " -tls-key " + key))
        {
            Check(simulator.Url.StartsWith("https://"), "the simulator serves HTTPS: " + simulator.Url);
            VmrTlsException untrusted = Throws<VmrTlsException>(delegate { VmrClient.Connect(Config(simulator, Simulator.Password)); });
            Equal("tls", untrusted.Kind);
            Equal(expected, untrusted.SeenThumbprint);
            Check(untrusted.Message.Contains(expected), "the message shows the thumbprint: " + untrusted.Message);
            string trusted = Config(simulator, Simulator.Password).TrimEnd('}') + ",\"ca_file\":" + Quote(cert) + "}";
            using (VmrClient client = VmrClient.Connect(trusted))
            {
                Check(client != null, "connected with ca_file");
            }
            string pinned = Config(simulator, Simulator.Password).TrimEnd('}') + ",\"thumbprint\":" + Quote(expected) + "}";
            using (VmrClient client = VmrClient.Connect(pinned))
            {
                Check(client != null, "connected with the pinned thumbprint");
            }
        }
        Directory.Delete(directory, true);
    }

    private static VmrClient Connect(Simulator simulator)
    {
        VmrClient client = VmrClient.Connect(Config(simulator, Simulator.Password));
        Dictionary<string, object> server = Object(client.ServerJson);
        Equal(simulator.Url, server["url"]);
        Equal("vmrotate", server["username"]);
        Check(((string)server["server"]).Length > 0, "the server names its product");
        return client;
    }

    private static string BackupRequest(bool dryRun, int day)
    {
        return "{\"op\":\"backup\",\"jobs\":[{\"vm\":\"avocado2\",\"datastores\":[\"NFS_durian\",\"NFS_mango\"],"
            + "\"stamp_zone\":\"utc\"}],\"dry_run\":" + (dryRun ? "true" : "false")
            + ",\"at\":\"2019-09-" + day.ToString("00") + "T02:41:00Z\"}";
    }

    private static Dictionary<string, object> Report(string run)
    {
        Dictionary<string, object> reply = Object(run);
        return Object(((List<object>)reply["reports"])[0]);
    }

    private static void DryRun(VmrClient client)
    {
        List<string> events = new List<string>();
        int callerThread = Thread.CurrentThread.ManagedThreadId;
        string run = client.Call(BackupRequest(true, 22), delegate(Dictionary<string, object> progress)
        {
            Equal(callerThread, Thread.CurrentThread.ManagedThreadId);
            events.Add((string)progress["event"]);
        }, null, 50);
        Dictionary<string, object> report = Report(run);
        Equal(true, report["ok"]);
        Equal(true, report["dry_run"]);
        Equal(null, report["created"]);
        Equal("zz_avocado2-01-201909220241", Object(report["plan"])["new_clone"]);
        Equal("started,finished", string.Join(",", events.ToArray()));
        Equal(0, Generations(client).Count);
    }

    private static void Backup(VmrClient client)
    {
        List<string> events = new List<string>();
        string run = client.Call(BackupRequest(false, 22), delegate(Dictionary<string, object> progress)
        {
            events.Add((string)progress["event"]);
        }, null, 50);
        Dictionary<string, object> report = Report(run);
        Equal(true, report["ok"]);
        Equal("zz_avocado2-01-201909220241", report["created"]);
        Equal(true, report["snapshot_removed"]);
        Check(events.Contains("clone_done"), "events: " + string.Join(",", events.ToArray()));
        Equal("started", events[0]);
        Equal("finished", events[events.Count - 1]);
        Equal(0, client.PollEvents().Count);
    }

    private const int CloneMilliseconds = 6000;

    /// <summary>Waits until the backup running on another thread has taken its snapshot (its
    /// clone task then runs), and half a second more.</summary>
    private static void AwaitCloning(VmrClient client)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!client.PollEvents().Exists(delegate(Dictionary<string, object> progress)
        {
            return (string)progress["event"] == "snapshot_created";
        }))
        {
            Check(DateTime.UtcNow < deadline, "the backup took its snapshot");
            Thread.Sleep(50);
        }
        Thread.Sleep(500);
    }

    /// <summary>The report of a backup stopped mid-clone, checked: kind stopped, no clone, the
    /// snapshot removed; and nothing left in vCenter.</summary>
    private static void CheckStopped(VmrClient client, string run, Stopwatch sinceCancel)
    {
        Check(sinceCancel.ElapsedMilliseconds < CloneMilliseconds - 1000,
            "the clone was cancelled, not waited out: " + sinceCancel.ElapsedMilliseconds + " ms");
        Dictionary<string, object> report = Report(run);
        Equal(false, report["ok"]);
        Equal("stopped", Object(report["error"])["kind"]);
        Equal(null, report["created"]);
        Equal(true, report["snapshot_removed"]);
        List<object> listed = (List<object>)VmrJson.Parse(client.Call("{\"op\":\"list\",\"vms\":[\"avocado2\"]}"));
        Equal(0, ((List<object>)Object(listed[0])["generations"]).Count);
        Equal(0, ((List<object>)Object(listed[0])["anomalies"]).Count);
    }

    private static void CancelFromAnotherThread(VmrClient client)
    {
        Equal(0, client.Cancel());
        string run = null;
        Thread backup = new Thread(delegate() { run = client.Call(BackupRequest(false, 22)); });
        backup.Start();
        AwaitCloning(client);
        Stopwatch sinceCancel = Stopwatch.StartNew();
        Equal(1, client.Cancel());
        Check(backup.Join(60000), "the backup ends after the cancel");
        CheckStopped(client, run, sinceCancel);
    }

    private static void StoppingCallback(VmrClient client)
    {
        bool cloning = false;
        Stopwatch sinceCancel = null;
        string run = client.Call(BackupRequest(false, 23), delegate(Dictionary<string, object> progress)
        {
            cloning = cloning || (string)progress["event"] == "snapshot_created";
        }, delegate
        {
            if (cloning && sinceCancel == null)
            {
                Thread.Sleep(500);
                sinceCancel = Stopwatch.StartNew();
            }
            return sinceCancel != null;
        }, 50);
        Check(sinceCancel != null, "the stopping callback was asked while cloning");
        CheckStopped(client, run, sinceCancel);
    }

    private static List<object> Generations(VmrClient client)
    {
        List<object> listed = (List<object>)VmrJson.Parse(client.Call("{\"op\":\"list\",\"vms\":[\"avocado2\"]}"));
        return (List<object>)Object(listed[0])["generations"];
    }

    private static void List(VmrClient client)
    {
        List<object> generations = Generations(client);
        Equal(1, generations.Count);
        Dictionary<string, object> generation = Object(generations[0]);
        Equal("zz_avocado2-01-201909220241", generation["name"]);
        Equal(1L, generation["slot"]);
        Equal(true, generation["marked"]);
        Throws<VmrNotFoundException>(delegate { client.Call("{\"op\":\"list\",\"vms\":[\"no-such-vm\"]}"); });
    }

    private static void Restore(VmrClient client)
    {
        string request = "{\"op\":\"restore\",\"clone\":\"zz_avocado2-01-201909220241\",\"new_name\":\"avocado2-restored\"}";
        Dictionary<string, object> restored = Object(client.Call(request));
        Equal("avocado2-restored", restored["vm"]);
        Equal("zz_avocado2-01-201909220241", restored["from"]);
        VmrRefusedException again = Throws<VmrRefusedException>(delegate { client.Call(request); });
        Check(again.Message.Contains("avocado2-restored"), again.Message);
    }

    private static void LogoutAndDispose(VmrClient client)
    {
        client.Logout();
        Throws<VmrServerException>(delegate { client.Call("{\"op\":\"list\"}"); });
        client.Dispose();
        client.Dispose();
        Throws<ObjectDisposedException>(delegate { client.Call("{\"op\":\"events\"}"); });
    }

    private static Dictionary<string, object> Object(object value)
    {
        string json = value as string;
        object parsed = json != null ? VmrJson.Parse(json) : value;
        Dictionary<string, object> fields = parsed as Dictionary<string, object>;
        if (fields == null)
        {
            throw new Exception("expected a JSON object, got " + value);
        }
        return fields;
    }

    private static string Quote(string text)
    {
        StringBuilder builder = new StringBuilder("\"");
        foreach (char c in text)
        {
            if (c == '"' || c == '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c < ' ')
            {
                builder.AppendFormat("\\u{0:x4}", (int)c);
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.Append('"').ToString();
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new Exception("check failed: " + what);
        }
    }

    private static void Equal(object expected, object actual)
    {
        if (!object.Equals(expected, actual))
        {
            throw new Exception("expected <" + (expected ?? "null") + "> but got <" + (actual ?? "null") + ">");
        }
    }

    private static T Throws<T>(Action action) where T : Exception
    {
        try
        {
            action();
        }
        catch (T expected)
        {
            return expected;
        }
        catch (Exception other)
        {
            throw new Exception("expected " + typeof(T).Name + " but got " + other.GetType().Name + ": " + other.Message);
        }
        throw new Exception("expected " + typeof(T).Name + " but nothing was thrown");
    }

    /// <summary>The vCenter simulator launcher, serving the article's setup until disposed.</summary>
    private sealed class Simulator : IDisposable
    {
        public const string Password = "vmrotate-secret";

        private readonly Process process;
        private readonly string directory;
        private readonly string url;

        private Simulator(Process process, string directory, string url)
        {
            this.process = process;
            this.directory = directory;
            this.url = url;
        }

        public string Url { get { return url; } }

        public static Simulator Start(string launcher)
        {
            return Start(launcher, "");
        }

        /// <summary>A simulator with the launcher's <paramref name="extraArguments"/> (e.g.
        /// " -async-task CloneVM_Task=6000").</summary>
        public static Simulator Start(string launcher, string extraArguments)
        {
            string directory = Path.Combine(Path.GetTempPath(), "vmrotate-mono-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            string urlFile = Path.Combine(directory, "url");
            ProcessStartInfo start = new ProcessStartInfo(launcher,
                "-username vmrotate -password " + Password + " -vm-name avocado2 -nfs NFS_durian,NFS_mango -hosts 2"
                + " -url-file " + urlFile + " -watch-stdin" + extraArguments);
            start.UseShellExecute = false;
            start.RedirectStandardInput = true;
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            Process process = Process.Start(start);
            process.OutputDataReceived += delegate { };
            process.ErrorDataReceived += delegate { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            DateTime deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(urlFile) || new FileInfo(urlFile).Length == 0)
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new Exception("the simulator did not start (" + launcher + ")");
                }
                Thread.Sleep(50);
            }
            Thread.Sleep(50);
            return new Simulator(process, directory, File.ReadAllText(urlFile).Trim());
        }

        public void Dispose()
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(10000))
            {
                process.Kill();
            }
            Directory.Delete(directory, true);
        }
    }
}
