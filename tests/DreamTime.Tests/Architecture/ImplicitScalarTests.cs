using DreamTime.Runtime;
using Mono.Cecil;
using Mono.Cecil.Cil;
using TorchSharp;
using Xunit;

namespace DreamTime.Tests.Architecture;

/// <summary>
/// TorchSharp 0.107 passes a Scalar's native handle to libtorch without keeping the managed Scalar alive, so a
/// garbage collection during the call can finalize an implicitly created Scalar while libtorch reads it. This reads
/// the compiled library, CLI, studies and these tests (Mono.Cecil) and lists every method that makes a Scalar nothing
/// keeps alive: a call to <c>Scalar.op_Implicit</c> (or any TorchSharp member returning a Scalar) whose result is not
/// held by a <c>using</c> local, or a call to a TorchSharp member that does so itself, a few calls deep (computed
/// here from TorchSharp's own IL, so new TorchSharp members are covered). <see cref="Scalars"/> is the one place
/// allowed to make Scalars that it keeps in static fields.
/// </summary>
public class ImplicitScalarTests
{
    private const int Depth = 4;

    [Fact]
    public void No_method_creates_a_Scalar_that_nothing_keeps_alive()
    {
        var offenders = new List<string>();
        foreach (var assembly in new[]
                 {
                     typeof(Scalars).Assembly, typeof(DreamTime.Studies.Comparison.StudyFolder).Assembly,
                     typeof(DreamTime.Cli.Commands.AllCommands).Assembly, typeof(ImplicitScalarTests).Assembly,
                 })
            offenders.AddRange(Offenders(assembly.Location));
        Assert.True(offenders.Count == 0, "Scalars made implicitly (use DreamTime.Runtime.Scalars/ScalarArithmetic):\n"
            + string.Join("\n", offenders));
    }

    [Fact]
    public void The_scan_sees_the_alpha_of_a_tensor_sum()
    {
        var torchSharp = new TorchSharpScan();
        var add = Resolve(typeof(torch.Tensor), "op_Addition", nameof(torch.Tensor), nameof(torch.Tensor));
        Assert.NotNull(torchSharp.Why(add, Depth));
        var mul = Resolve(typeof(torch.Tensor), "op_Multiply", nameof(torch.Tensor), nameof(torch.Tensor));
        Assert.Null(torchSharp.Why(mul, Depth));
    }

    private static MethodDefinition Resolve(Type type, string name, params string[] parameters)
    {
        var module = ModuleDefinition.ReadModule(type.Assembly.Location);
        var t = module.GetType(type.FullName!.Replace('+', '/'));
        return t.Methods.Single(m => m.Name == name && m.Parameters.Select(p => p.ParameterType.Name).SequenceEqual(parameters));
    }

    private static IEnumerable<string> Offenders(string path)
    {
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(path)!);
        resolver.AddSearchDirectory(Path.GetDirectoryName(typeof(torch).Assembly.Location)!);
        var scan = new TorchSharpScan();
        using var assembly = AssemblyDefinition.ReadAssembly(path, new ReaderParameters { AssemblyResolver = resolver });
        // Scalars keeps its Scalars in static fields; ScalarArithmeticTests calls the operators as its reference, with
        // collections off
        string[] allowed = [typeof(Scalars).FullName!, typeof(Runtime.ScalarArithmeticTests).FullName!];
        bool Allowed(TypeDefinition t) => allowed.Any(a => t.FullName.StartsWith(a, StringComparison.Ordinal));
        foreach (var type in assembly.MainModule.GetTypes().Where(t => !Allowed(t)))
            foreach (var method in type.Methods.Where(m => m.HasBody))
                foreach (var i in method.Body.Instructions)
                {
                    if (i.Operand is not MethodReference r || !TorchSharpScan.IsTorchSharp(r)) continue;
                    string? why = TorchSharpScan.Creates(i) ? TorchSharpScan.Held(method.Body, i) ? null : "makes a Scalar"
                        : r.Resolve() is { } d ? scan.Why(d, Depth) : null;
                    if (why != null) yield return $"{type.FullName}.{method.Name}: {r.DeclaringType.Name}.{r.Name} ({why})";
                }
    }

    /// <summary>Which TorchSharp members make a Scalar that they do not keep alive, and through what.</summary>
    private sealed class TorchSharpScan
    {
        private readonly Dictionary<(MethodDefinition, int), string?> _memo = [];

        public static bool IsTorchSharp(MemberReference r) => r.DeclaringType.Scope.Name.StartsWith("TorchSharp", StringComparison.Ordinal);

        private static bool IsScalar(TypeReference t) => t.FullName == "TorchSharp.Scalar";

        /// <summary>A call that makes a Scalar (op_Implicit, ToScalar, a constructor, anything returning one).</summary>
        public static bool Creates(Instruction i) => i.Operand is MethodReference r && IsTorchSharp(r)
            && (IsScalar(r.ReturnType) || (i.OpCode == OpCodes.Newobj && IsScalar(r.DeclaringType)));

        /// <summary>The new Scalar goes into a local that a finally block (a using) reads, which keeps it alive.</summary>
        public static bool Held(MethodBody body, Instruction i)
        {
            int? local = LocalIndex(i.Next, store: true);
            if (local is null) return false;
            foreach (var h in body.ExceptionHandlers.Where(h => h.HandlerType == ExceptionHandlerType.Finally))
                for (var x = h.HandlerStart; x != null && x != h.HandlerEnd; x = x.Next)
                    if (LocalIndex(x, store: false) == local) return true;
            return false;
        }

        private static int? LocalIndex(Instruction i, bool store) => (store, i.OpCode.Code) switch
        {
            (true, Code.Stloc_0) or (false, Code.Ldloc_0) => 0,
            (true, Code.Stloc_1) or (false, Code.Ldloc_1) => 1,
            (true, Code.Stloc_2) or (false, Code.Ldloc_2) => 2,
            (true, Code.Stloc_3) or (false, Code.Ldloc_3) => 3,
            (true, Code.Stloc_S or Code.Stloc) or (false, Code.Ldloc_S or Code.Ldloc) => ((VariableDefinition)i.Operand).Index,
            _ => null,
        };

        /// <summary>Null when the member keeps every Scalar it makes alive; else the chain of calls to the one it does not.</summary>
        public string? Why(MethodDefinition m, int depth)
        {
            if (IsScalar(m.ReturnType) || !m.HasBody) return null;   // a factory: its caller is checked instead
            if (_memo.TryGetValue((m, depth), out var known)) return known;
            _memo[(m, depth)] = null;
            string? why = null;
            foreach (var i in m.Body.Instructions)
                if (Creates(i) && !Held(m.Body, i)) { why = ((MethodReference)i.Operand).Name; break; }
            if (why is null && depth > 0)
                foreach (var i in m.Body.Instructions)
                {
                    if (i.Operand is not MethodReference r || !IsTorchSharp(r) || Creates(i)) continue;
                    MethodDefinition? d;
                    try { d = r.Resolve(); } catch (AssemblyResolutionException) { continue; }
                    if (d is null || d == m || Why(d, depth - 1) is not { } inner) continue;
                    why = $"{r.Name} -> {inner}";
                    break;
                }
            return _memo[(m, depth)] = why;
        }
    }
}
