using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DreamTime.Runtime;

namespace DreamTime.Configuration;

/// <summary>
/// Components of one kind (guidance, representation) by name: each name has a settings type, which is what
/// config.json holds under the section (with "type": name), and a factory. Serialisation goes through
/// <see cref="Converter"/>, so a new component needs no edit to the configuration code.
/// </summary>
public sealed class ComponentRegistry<TSettings, TComponent> where TSettings : class
{
    private sealed record Entry(string Name, Type Settings, string Description, Func<TSettings, ComponentContext, TComponent> Create);

    private readonly List<Entry> _entries = new();

    /// <summary>The config.json key of this kind of component ("guidance", "representation").</summary>
    public string Section { get; }

    public ComponentRegistry(string section) => Section = section;

    public void Register<T>(string name, string description, Func<T, ComponentContext, TComponent> create) where T : TSettings, new()
    {
        if (_entries.Any(e => e.Name == name || e.Settings == typeof(T)))
            throw new InvalidOperationException($"{Section} '{name}' ({typeof(T).Name}) is registered twice");
        _entries.Add(new Entry(name, typeof(T), description, (s, ctx) => create((T)s, ctx)));
    }

    public IReadOnlyList<string> Names => _entries.Select(e => e.Name).ToList();

    /// <summary>"name = description" for each component, for --help.</summary>
    public string Describe() => string.Join("; ", _entries.Select(e => $"{e.Name} = {e.Description}"));

    private Entry Find(string name) => _entries.FirstOrDefault(e => e.Name == name)
        ?? throw new UserError($"{Section}.type {name}: unknown; allowed: {string.Join(", ", Names)}");

    public string NameOf(TSettings settings) => _entries.FirstOrDefault(e => e.Settings == settings.GetType())?.Name
        ?? throw new InvalidOperationException($"{settings.GetType().Name} is not a registered {Section}");

    /// <summary>The default settings of a component.</summary>
    public TSettings Defaults(string name) => (TSettings)Activator.CreateInstance(Find(name).Settings)!;

    public TComponent Create(TSettings settings, ComponentContext context) => Find(NameOf(settings)).Create(settings, context);

    /// <summary>Reads {"type": NAME, ...settings} into NAME's settings type, and writes it back with "type" first.</summary>
    public JsonConverter<TSettings> Converter => new SettingsConverter(this, Section);

    /// <summary>The converter for a section that config.json holds under another key path ("stages.1.representation"),
    /// so that its errors name that path.</summary>
    public JsonConverter<TSettings> ConverterAt(string key) => new SettingsConverter(this, key);

    private sealed class SettingsConverter(ComponentRegistry<TSettings, TComponent> registry, string key) : JsonConverter<TSettings>
    {
        public override TSettings Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var node = JsonNode.Parse(ref reader) as JsonObject
                       ?? throw new UserError($"'{key}' must be an object with a \"type\" " +
                           $"({string.Join(", ", registry.Names)})");
            if (node["type"] is not JsonValue typeValue || !typeValue.TryGetValue<string>(out var name))
                throw new UserError($"'{key}.type' is missing; one of {string.Join(", ", registry.Names)}");
            var entry = registry.Find(name);
            node.Remove("type");
            try { return (TSettings)node.Deserialize(entry.Settings, options)!; }
            catch (JsonException e) { throw new UserError($"{key} ({name}): {JsonErrors.Describe(e, key)}"); }
        }

        public override void Write(Utf8JsonWriter writer, TSettings value, JsonSerializerOptions options)
        {
            var body = JsonSerializer.SerializeToNode(value, value.GetType(), options)!.AsObject();
            var node = new JsonObject { ["type"] = registry.NameOf(value) };
            foreach (var (k, v) in body.ToList())
            {
                body.Remove(k);
                node[k] = v;
            }
            node.WriteTo(writer, options);
        }
    }
}
