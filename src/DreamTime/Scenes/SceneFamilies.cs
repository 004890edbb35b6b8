using System.Numerics;

namespace DreamTime.Scenes;

/// <summary>
/// The built-in scene families. Each builder works in its own units with the ground at z = 0 and the front
/// facing +x (the camera at azimuth 0); SceneBuilder.Build centres the result and fits it in radius 0.8.
/// </summary>
internal static class SceneFamilies
{
    public static IReadOnlyList<SceneFamily> Create(int membersPerFamily, int seed) => new[]
    {
        Mushroom(membersPerFamily, seed), Snowman(membersPerFamily, seed), Table(membersPerFamily, seed),
        Tree(membersPerFamily, seed), Lamp(membersPerFamily, seed), Car(membersPerFamily, seed),
        House(membersPerFamily, seed), Chair(membersPerFamily, seed), Mug(membersPerFamily, seed),
        Rocket(membersPerFamily, seed), Robot(membersPerFamily, seed),
    };

    private static SceneFamily Mushroom(int k, int seed) => new("mushroom",
        new[] { "mushroom", "mushrooms", "toadstool", "toadstools" }, new[] { "cap", "stem" },
        new[]
        {
            Colours("cap colour", "cap", "red", "brown", "yellow", "purple", "orange"),
            Slot("spots", V("spots", "spots", "with spots", "spotted", "spots", "dotted"),
                V("plain", null, "plain", "without spots", "no spots")),
            Slot("height", V("tall", "tall", "tall"), V("short", "short", "short", "squat")),
        },
        (rng, a, b) =>
        {
            var cap = Palette.Jitter(Palette.Of(a["cap colour"]), rng);
            bool tall = a["height"] == "tall";
            float stemR = U(rng, 0.08f, 0.12f), stemH = tall ? U(rng, 0.6f, 0.8f) : U(rng, 0.22f, 0.32f);
            b.Cone(new(0, 0, stemH / 2), stemR * 1.3f, stemR, stemH / 2, Palette.Cream);
            float capR = U(rng, 0.34f, 0.48f), capH = U(rng, 0.2f, 0.32f);
            var capBase = new Vector3(0, 0, stemH - 0.02f);
            b.Dome(capBase, new(capR, capR, capH), cap);
            b.Cylinder(capBase - new Vector3(0, 0, 0.005f), capR * 0.96f, 0.01f, Palette.Cream * 0.85f);
            if (a["spots"] == "spots")
            {
                int n = rng.Next(6, 10);
                for (int i = 0; i < n; i++)
                {
                    float el = U(rng, 0.25f, 1.1f), az = i * 2 * MathF.PI / n + U(rng, -0.3f, 0.3f);
                    var pos = capBase
                        + new Vector3(capR * MathF.Cos(el) * MathF.Cos(az), capR * MathF.Cos(el) * MathF.Sin(az), capH * MathF.Sin(el));
                    b.Sphere(pos, U(rng, 0.04f, 0.06f), new(0.96f, 0.95f, 0.92f));
                }
                b.Sphere(capBase + new Vector3(0, 0, capH), 0.05f, new(0.96f, 0.95f, 0.92f));
            }
        }, k, seed);

    private static SceneFamily Snowman(int k, int seed) => new("snowman",
        new[] { "snowman", "snowmen", "snowmans", "snow man", "snowwoman" }, new[] { "scarf", "snow" },
        new[]
        {
            Slot("tiers", V("two-tier", "two-tier", "two-tier", "two tiers", "two balls"),
                V("three-tier", "three-tier", "three-tier", "three tiers", "three balls")),
            Slot("hat", V("hat", "hat", "with hat", "hat", "top hat"), V("no hat", null, "without hat", "no hat", "hatless")),
            Colours("scarf colour", "scarf", "red", "blue", "green"),
        },
        (rng, a, b) =>
        {
            var black = Palette.Of("black");
            float rb = U(rng, 0.28f, 0.34f), zb = rb;
            b.Sphere(new(0, 0, zb), rb, Palette.Snow);
            if (a["tiers"] == "three-tier")
            {
                float r1 = rb * U(rng, 0.7f, 0.78f), z1 = zb + (rb + r1) * 0.8f;
                b.Sphere(new(0, 0, z1), r1, Palette.Snow);
                rb = r1; zb = z1;
            }
            // buttons on the ball under the head
            for (int i = 0; i < 3; i++)
            {
                float el = -0.2f + 0.35f * i;
                b.Sphere(new(rb * MathF.Cos(el), 0, zb + rb * MathF.Sin(el)), 0.028f, black);
            }
            float rh = rb * U(rng, 0.62f, 0.72f), zh = zb + (rb + rh) * 0.82f;
            var head = new Vector3(0, 0, zh);
            b.Sphere(head, rh, Palette.Snow);
            foreach (float side in new[] { -1f, 1f })
                b.Sphere(head
                    + rh * new Vector3(MathF.Cos(0.3f) * MathF.Cos(0.35f), side * MathF.Cos(0.3f) * MathF.Sin(0.35f), MathF.Sin(0.3f)),
                        0.028f, black);
            float noseLen = U(rng, 0.12f, 0.2f);
            b.Cone(head + new Vector3(rh - 0.02f + noseLen / 2, 0, 0), 0.035f, 0.004f, noseLen / 2, Palette.Of("orange"),
                Rotations.AlignZ(Vector3.UnitX));
            b.Torus(new(0, 0, zh - rh * 0.8f), rh * 0.72f, 0.045f, Palette.Jitter(Palette.Of(a["scarf colour"]), rng));
            if (a["hat"] == "hat")
            {
                float brimZ = zh + rh * 0.8f, crown = U(rng, 0.1f, 0.15f);
                b.Cylinder(new(0, 0, brimZ), rh * 0.95f, 0.015f, black);
                b.Cylinder(new(0, 0, brimZ + crown), rh * 0.62f, crown, black);
            }
        }, k, seed);

    private static SceneFamily Table(int k, int seed) => new("table",
        new[] { "table", "tables", "desk", "desks" }, new[] { "top", "legs", "leg", "wooden", "wood" },
        new[]
        {
            Colours("colour", "", "brown", "white", "black", "blue"),
            Slot("top", V("round", "round", "round", "circular"), V("square", "square", "square", "rectangular")),
            Slot("legs", V("four legs", "four legs", "four legs", "four legged", "4 legs"),
                V("pedestal", "pedestal", "pedestal", "one leg", "single leg")),
        },
        (rng, a, b) =>
        {
            var col = Palette.Jitter(Palette.Of(a["colour"]), rng);
            float h = U(rng, 0.5f, 0.7f), thick = 0.035f;
            bool round = a["top"] == "round";
            float rx, ry;
            if (round)
            {
                rx = ry = U(rng, 0.42f, 0.55f);
                b.Cylinder(new(0, 0, h), rx, thick, col);
            }
            else
            {
                rx = U(rng, 0.42f, 0.58f); ry = U(rng, 0.3f, 0.45f);
                b.RoundBox(new(0, 0, h), new(rx, ry, thick), 0.015f, col);
            }
            var legCol = col * 0.8f;
            if (a["legs"] == "four legs")
            {
                float legR = U(rng, 0.025f, 0.04f), half = (h - thick) / 2;
                for (int i = 0; i < 4; i++)
                {
                    float sx = i % 2 == 0 ? 1 : -1, sy = i < 2 ? 1 : -1;
                    var pos = round ? new Vector2(sx, sy) * (rx * 0.62f / MathF.Sqrt(2))
                        : new Vector2(sx * (rx - 0.07f), sy * (ry - 0.07f));
                    b.Cylinder(new(pos.X, pos.Y, half), legR, half, legCol);
                }
            }
            else
            {
                b.Cylinder(new(0, 0, h / 2), U(rng, 0.04f, 0.07f), h / 2, legCol);
                b.Cylinder(new(0, 0, 0.025f), U(rng, 0.2f, 0.28f), 0.025f, legCol);
            }
        }, k, seed);

    private static SceneFamily Tree(int k, int seed) => new("tree",
        new[] { "tree", "trees" }, new[] { "trunk", "leaves", "foliage" },
        new[]
        {
            Slot("kind", V("pine", "pine", "pine", "fir", "conifer", "christmas"), V("round", "round", "round", "leafy", "oak")),
            Colours("foliage colour", "", "green", "orange", "yellow", "pink"),
            Slot("height", V("tall", "tall", "tall"), V("short", "short", "short")),
        },
        (rng, a, b) =>
        {
            var leaves = Palette.Jitter(a["foliage colour"] == "green" ? new Vector3(0.12f, 0.5f, 0.16f) : Palette.Of(a["foliage colour"]),
                rng);
            bool tall = a["height"] == "tall";
            float trunkR = U(rng, 0.05f, 0.08f);
            if (a["kind"] == "pine")
            {
                float trunkH = tall ? U(rng, 0.22f, 0.3f) : U(rng, 0.12f, 0.18f);
                b.Cylinder(new(0, 0, trunkH / 2 + 0.02f), trunkR, trunkH / 2 + 0.02f, Palette.Wood);
                int n = tall ? rng.Next(3, 5) : rng.Next(2, 4);
                float r0 = U(rng, 0.34f, 0.44f), hc = tall ? U(rng, 0.36f, 0.44f) : U(rng, 0.3f, 0.36f);
                for (int i = 0; i < n; i++)
                {
                    float r = r0 * (1 - 0.2f * i), z = trunkH + i * hc * 0.5f + hc / 2;
                    b.Cone(new(0, 0, z), r, 0.01f, hc / 2, leaves);
                }
            }
            else
            {
                float trunkH = tall ? U(rng, 0.5f, 0.65f) : U(rng, 0.25f, 0.35f);
                b.Cylinder(new(0, 0, trunkH / 2), trunkR, trunkH / 2, Palette.Wood);
                float r = U(rng, 0.3f, 0.38f);
                var c = new Vector3(0, 0, trunkH + r * 0.7f);
                b.Sphere(c, r, leaves);
                int n = rng.Next(2, 4);
                for (int i = 0; i < n; i++)
                {
                    float az = i * 2 * MathF.PI / n + U(rng, 0, 1), rs = r * U(rng, 0.55f, 0.7f);
                    b.Sphere(c + new Vector3(0.55f * r * MathF.Cos(az), 0.55f * r * MathF.Sin(az), U(rng, -0.15f, 0.25f) * r), rs,
                        leaves * U(rng, 0.9f, 1.05f));
                }
            }
        }, k, seed);

    private static SceneFamily Lamp(int k, int seed) => new("lamp",
        new[] { "lamp", "lamps", "lampshade" }, new[] { "shade", "base", "pole" },
        new[]
        {
            Colours("shade colour", "shade", "red", "blue", "green", "yellow", "white"),
            Slot("shade", V("cone", "conical", "conical", "cone"), V("drum", "drum", "drum", "cylindrical")),
            Slot("height", V("tall", "tall", "tall", "floor"), V("short", "short", "short", "desk")),
        },
        (rng, a, b) =>
        {
            var shade = Palette.Jitter(Palette.Of(a["shade colour"]), rng);
            var stand = rng.Next(2) == 0 ? Palette.Metal : Palette.DarkWood;
            float hp = a["height"] == "tall" ? U(rng, 0.75f, 0.95f) : U(rng, 0.35f, 0.5f);
            b.Cylinder(new(0, 0, 0.025f), U(rng, 0.15f, 0.22f), 0.025f, stand);
            b.Cylinder(new(0, 0, hp / 2), 0.022f, hp / 2, stand);
            float sh = U(rng, 0.12f, 0.17f);
            if (a["shade"] == "cone") b.Cone(new(0, 0, hp), U(rng, 0.25f, 0.32f), U(rng, 0.1f, 0.15f), sh, shade);
            else b.Cylinder(new(0, 0, hp), U(rng, 0.2f, 0.26f), sh, shade);
            b.Sphere(new(0, 0, hp + sh + 0.02f), 0.03f, stand);
        }, k, seed);

    private static SceneFamily Car(int k, int seed) => new("car",
        new[] { "car", "cars", "vehicle", "vehicles", "automobile", "automobiles" }, new[] { "wheels", "body" },
        new[]
        {
            Colours("colour", "", "red", "blue", "yellow", "green", "white"),
            Slot("style", V("sporty", "sporty", "sporty", "sports", "low"), V("boxy", "boxy", "boxy", "tall")),
        },
        (rng, a, b) =>
        {
            var col = Palette.Jitter(Palette.Of(a["colour"]), rng);
            float L = U(rng, 0.6f, 0.72f), W = U(rng, 0.27f, 0.33f), wr = U(rng, 0.13f, 0.16f);
            float bodyZ = wr + 0.06f, bodyH = 0.11f;
            b.RoundBox(new(0, 0, bodyZ), new(L, W, bodyH), 0.05f, col);
            bool sporty = a["style"] == "sporty";
            var cabinHalf = sporty ? new Vector3(L * U(rng, 0.4f, 0.5f), W * 0.86f, 0.09f)
                : new Vector3(L * U(rng, 0.6f, 0.7f), W * 0.92f, 0.15f);
            var cabin = new Vector3(sporty ? -0.1f : -0.06f, 0, bodyZ + bodyH + cabinHalf.Z - 0.02f);
            b.RoundBox(cabin, cabinHalf, 0.06f, col);
            b.Box(cabin - new Vector3(0, 0, cabinHalf.Z * 0.1f),
                new(cabinHalf.X * 0.97f + 0.012f, cabinHalf.Y + 0.008f, cabinHalf.Z * 0.5f), Palette.Glass);
            var axle = Rotations.AlignZ(Vector3.UnitY);
            foreach (float sx in new[] { -1f, 1f })
                foreach (float sy in new[] { -1f, 1f })
                {
                    var c = new Vector3(sx * L * 0.62f, sy * (W - 0.01f), wr);
                    b.Cylinder(c, wr, 0.055f, Palette.Tyre, axle);
                    b.Cylinder(c, wr * 0.5f, 0.062f, Palette.Metal, axle);
                }
            foreach (float sy in new[] { -1f, 1f })
                b.Sphere(new(L - 0.02f, sy * W * 0.6f, bodyZ + 0.03f), 0.035f, new(1f, 0.95f, 0.7f));
        }, k, seed);

    private static SceneFamily House(int k, int seed) => new("house",
        new[] { "house", "houses", "home", "cottage", "cottages", "building" }, new[] { "roof", "walls", "door", "windows" },
        new[]
        {
            Colours("wall colour", "walls", "white", "yellow", "blue", "pink"),
            Slot("chimney", V("chimney", "chimney", "with chimney", "chimney"), V("no chimney", null, "without chimney", "no chimney")),
            Slot("storeys", V("one-storey", "one-storey", "one storey", "one story", "bungalow", "small"),
                V("two-storey", "two-storey", "two storey", "two story", "tall")),
        },
        (rng, a, b) =>
        {
            var walls = Palette.Jitter(Palette.Of(a["wall colour"]), rng);
            var roofCol = new[] { new Vector3(0.55f, 0.13f, 0.1f), new Vector3(0.3f, 0.3f, 0.34f),
                new Vector3(0.4f, 0.22f, 0.1f) }[rng.Next(3)];
            float L = U(rng, 0.4f, 0.5f), W = U(rng, 0.3f, 0.38f);
            bool two = a["storeys"] == "two-storey";
            float H = two ? U(rng, 0.52f, 0.62f) : U(rng, 0.3f, 0.36f);
            b.Box(new(0, 0, H / 2), new(L, W, H / 2), walls);
            float roofW = W + 0.06f, roofH = U(rng, 0.22f, 0.32f);
            b.Roof(new(0, 0, H), L + 0.05f, roofW, roofH, roofCol);
            b.Box(new(L, U(rng, -0.3f, 0.3f) * W, 0.1f), new(0.015f, 0.06f, 0.1f), Palette.DarkWood);
            int floors = two ? 2 : 1;
            for (int f = 0; f < floors; f++)
            {
                float z = two ? (f == 0 ? H * 0.3f : H * 0.72f) : H * 0.6f;
                foreach (float s in new[] { -1f, 1f })
                {
                    b.Box(new(L, s * W * 0.6f, z), new(0.012f, 0.05f, 0.05f), Palette.Glass);
                    b.Box(new(s * L * 0.5f, W, z), new(0.05f, 0.012f, 0.05f), Palette.Glass);
                    b.Box(new(s * L * 0.5f, -W, z), new(0.05f, 0.012f, 0.05f), Palette.Glass);
                }
            }
            if (a["chimney"] == "chimney")
            {
                // the roof surface is at H + roofH (1 - |y| / roofW); the chimney's foot sits inside the roof
                float y = W * 0.45f, hc = 0.12f;
                b.Box(new(U(rng, -0.5f, 0.5f) * L, y, H + roofH * (1 - y / roofW) + hc * 0.5f), new(0.05f, 0.05f, hc),
                    new(0.5f, 0.25f, 0.2f));
            }
        }, k, seed);

    private static SceneFamily Chair(int k, int seed) => new("chair",
        new[] { "chair", "chairs", "seat" }, new[] { "back", "legs", "wooden" },
        new[]
        {
            Colours("colour", "", "red", "blue", "green", "brown", "white"),
            Slot("armrests", V("armrests", "armrests", "with armrests", "armrests", "with arms", "arms"),
                V("no armrests", null, "without armrests", "no armrests", "armless")),
            Slot("back", V("tall back", "tall back", "tall back", "tall", "high back"),
                V("low back", "low back", "low back", "low", "short")),
        },
        (rng, a, b) =>
        {
            var col = Palette.Jitter(Palette.Of(a["colour"]), rng);
            float hs = U(rng, 0.4f, 0.5f), S = U(rng, 0.22f, 0.28f);
            b.RoundBox(new(0, 0, hs), new(S, S, 0.035f), 0.015f, col);
            var legCol = col * 0.75f;
            foreach (float sx in new[] { -1f, 1f })
                foreach (float sy in new[] { -1f, 1f })
                    b.Cylinder(new(sx * (S - 0.03f), sy * (S - 0.03f), hs / 2), 0.025f, hs / 2, legCol);
            float bh = a["back"] == "tall back" ? U(rng, 0.45f, 0.6f) : U(rng, 0.2f, 0.28f);
            b.RoundBox(new(-(S - 0.025f), 0, hs + bh / 2), new(0.025f, S, bh / 2), 0.01f, col);
            if (a["armrests"] == "armrests")
            {
                float ah = U(rng, 0.16f, 0.22f);
                foreach (float sy in new[] { -1f, 1f })
                {
                    b.RoundBox(new(0, sy * (S - 0.02f), hs + ah), new(S * 0.95f, 0.03f, 0.02f), 0.01f, col);
                    b.Cylinder(new(S * 0.75f, sy * (S - 0.02f), hs + ah / 2), 0.02f, ah / 2, legCol);
                }
            }
        }, k, seed);

    private static SceneFamily Mug(int k, int seed) => new("mug",
        new[] { "mug", "mugs", "cup", "cups", "teacup", "teacups" }, new[] { "coffee", "tea", "handle" },
        new[]
        {
            Colours("colour", "", "red", "blue", "white", "yellow", "green"),
            Slot("saucer", V("saucer", "saucer", "with saucer", "on saucer", "saucer"),
                V("no saucer", null, "without saucer", "no saucer")),
            Slot("shape", V("tall", "tall", "tall"), V("short", "short", "short", "wide")),
        },
        (rng, a, b) =>
        {
            var col = Palette.Jitter(Palette.Of(a["colour"]), rng);
            bool tall = a["shape"] == "tall";
            float r = U(rng, 0.22f, 0.28f), hh = tall ? U(rng, 0.28f, 0.34f) : U(rng, 0.16f, 0.2f);
            float z0 = a["saucer"] == "saucer" ? 0.04f : 0f;
            b.Cylinder(new(0, 0, z0 + hh), r, hh, col);
            b.Cylinder(new(0, 0, z0 + 2 * hh - 0.005f), r - 0.03f, 0.01f, new(0.25f, 0.13f, 0.05f));
            b.Torus(new(0, r + 0.02f, z0 + hh), U(rng, 0.1f, 0.13f) * (tall ? 1 : 0.8f), 0.03f, col, Rotations.AlignZ(Vector3.UnitX));
            if (z0 > 0) b.Cone(new(0, 0, 0.02f), r + 0.08f, r + U(rng, 0.13f, 0.17f), 0.02f, Palette.Cream);
        }, k, seed);

    private static SceneFamily Rocket(int k, int seed) => new("rocket",
        new[] { "rocket", "rockets", "spaceship", "spaceships", "rocketship" }, new[] { "nose", "fins" },
        new[]
        {
            Colours("body colour", "body", "white", "red", "blue", "yellow"),
            Slot("fins", V("three fins", "three fins", "three fins", "3 fins"), V("four fins", "four fins", "four fins", "4 fins")),
            Slot("window", V("window", "window", "with window", "window", "porthole"), V("no window", null, "without window", "no window")),
        },
        (rng, a, b) =>
        {
            var body = Palette.Jitter(Palette.Of(a["body colour"]), rng);
            var trim = Palette.Of(a["body colour"] == "red" ? "white" : "red");
            float br = U(rng, 0.14f, 0.19f), bh = U(rng, 0.32f, 0.42f), nh = U(rng, 0.25f, 0.35f), z0 = 0.1f;
            b.Cone(new(0, 0, z0 / 2), br * 0.85f, br * 0.6f, z0 / 2, Palette.Metal);
            b.Cylinder(new(0, 0, z0 + bh), br, bh, body);
            b.Cone(new(0, 0, z0 + 2 * bh + nh / 2), br, 0.005f, nh / 2, trim);
            int n = a["fins"] == "three fins" ? 3 : 4;
            float phase = n == 4 ? MathF.PI / 4 : 0, fh = U(rng, 0.1f, 0.14f), fr = U(rng, 0.08f, 0.11f);
            for (int i = 0; i < n; i++)
            {
                float phi = phase + i * 2 * MathF.PI / n;
                b.Box(new((br + fr - 0.02f) * MathF.Cos(phi), (br + fr - 0.02f) * MathF.Sin(phi), z0 + fh), new(fr, 0.012f, fh), trim,
                    Rotations.AboutZ(phi));
            }
            if (a["window"] == "window")
            {
                var facing = Rotations.AlignZ(Vector3.UnitX);
                float wz = z0 + bh * 1.35f;
                b.Cylinder(new(br - 0.01f, 0, wz), 0.06f, 0.02f, Palette.Glass, facing);
                b.Torus(new(br + 0.005f, 0, wz), 0.065f, 0.015f, Palette.Metal, facing);
            }
        }, k, seed);

    private static SceneFamily Robot(int k, int seed) => new("robot",
        new[] { "robot", "robots", "android", "droid" }, new[] { "head", "body", "arms" },
        new[]
        {
            Colours("colour", "", "grey", "red", "blue", "yellow"),
            Slot("head", V("square head", "square head", "square head", "square", "boxy"),
                V("round head", "round head", "round head", "round")),
            Slot("antenna", V("antenna", "antenna", "with antenna", "antenna"), V("no antenna", null, "without antenna", "no antenna")),
        },
        (rng, a, b) =>
        {
            var col = Palette.Jitter(Palette.Of(a["colour"]), rng);
            var joint = new Vector3(0.28f, 0.28f, 0.31f);
            float lh = U(rng, 0.25f, 0.35f), th = U(rng, 0.35f, 0.45f), tw = U(rng, 0.18f, 0.24f), td = U(rng, 0.13f, 0.17f);
            foreach (float s in new[] { -1f, 1f })
            {
                b.Box(new(0, s * tw * 0.5f, lh / 2), new(0.06f, 0.06f, lh / 2), joint);
                b.Box(new(0.03f, s * tw * 0.5f, 0.03f), new(0.1f, 0.075f, 0.03f), col);
                b.Segment(new(0, s * (tw + 0.05f), lh + th - 0.06f), new(0.06f, s * (tw + 0.09f), lh + 0.08f), 0.045f, joint);
            }
            b.RoundBox(new(0, 0, lh + th / 2), new(td, tw, th / 2), 0.03f, col);
            b.Box(new(td, 0, lh + th * 0.6f), new(0.01f, tw * 0.45f, th * 0.18f), Palette.Glow * 0.8f);
            float neckTop = lh + th + 0.05f;
            b.Cylinder(new(0, 0, lh + th + 0.02f), 0.05f, 0.04f, joint);
            float headHalf, front;
            if (a["head"] == "square head")
            {
                headHalf = U(rng, 0.1f, 0.13f); front = headHalf * 1.1f;
                b.RoundBox(new(0, 0, neckTop + headHalf), new(front, headHalf * 1.25f, headHalf), 0.025f, col);
            }
            else
            {
                headHalf = U(rng, 0.13f, 0.16f); front = headHalf * 0.94f;
                b.Sphere(new(0, 0, neckTop + headHalf), headHalf, col);
            }
            foreach (float s in new[] { -1f, 1f })
                b.Sphere(new(front, s * 0.06f, neckTop + headHalf * 1.1f), 0.03f, Palette.Glow);
            if (a["antenna"] == "antenna")
            {
                float top = neckTop + 2 * headHalf;
                b.Cylinder(new(0, 0, top + 0.06f), 0.012f, 0.08f, joint);
                b.Sphere(new(0, 0, top + 0.15f), 0.035f, Palette.Of("red"));
            }
        }, k, seed);

    private static float U(Random rng, float a, float b) => a + (b - a) * (float)rng.NextDouble();

    private static AttributeValue V(string value, string? label, params string[] phrases) => new(value, label, phrases);

    private static AttributeSlot Slot(string name, params AttributeValue[] values) => new(name, values);

    private static AttributeSlot Colours(string slot, string suffix, params string[] names) =>
        new(slot, names.Select(n => new AttributeValue(n, (n + " " + suffix).Trim(), ColourPhrases(n))).ToArray());

    private static string[] ColourPhrases(string colour) => colour switch
    {
        "grey" => new[] { "grey", "gray", "silver", "metal" },
        _ => new[] { colour },
    };
}
