using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// Fantasia3D's physically based material (albedo, roughness, metallic) lit by the scene's <see cref="Lighting"/> read as
/// an environment: a uniform sky of radiance <c>Ambient</c> and a sun of irradiance <c>Diffuse</c> along the light's
/// direction. Fantasia3D lights with an HDR map through split-sum prefiltering; with a uniform sky the prefiltered
/// radiance is the sky's own in every direction, so the split sum reduces to sky * (F0 A + B) with Karis' analytic fit
/// of the environment BRDF (A, B), and the sun adds a Cook-Torrance GGX highlight. A rough dielectric (metallic 0,
/// roughness 1) is then Lambert's albedo * (ambient + diffuse n.l) plus a few percent of grey sky reflection: the
/// shading the built-in prior's members have, which a PBR material can therefore reproduce.
/// </summary>
public static class PbrShading
{
    /// <summary>Fantasia3D's ranges: roughness in [0.08, 0.9], metallic in [0, 0.9].</summary>
    public const double MinRoughness = 0.08, MaxRoughness = 0.9, MaxMetallic = 0.9;

    /// <summary>Shaded colour [N,3] of albedo [N,3], roughness [N,1], metallic [N,1] at unit normals [N,3] seen along unit
    /// directions towards the eye [N,3].</summary>
    public static Tensor Shade(Tensor albedo, Tensor roughness, Tensor metallic, Tensor normal, Tensor toEye, Lighting light)
    {
        var l = torch.tensor(new[] { light.DirX, light.DirY, light.DirZ }, dtype: normal.dtype, device: normal.device);
        var nDotL = (normal * l).sum(-1, keepdim: true).clamp_min(Scalars.Of(0));
        var nDotV = (normal * toEye).sum(-1, keepdim: true).clamp_min(Scalars.Of(1e-4));
        var f0 = (albedo * metallic).Plus(metallic.SubtractedFrom(1).Times(0.04));
        var diffuse = albedo * metallic.SubtractedFrom(1) * nDotL.Times(light.Diffuse).Plus(light.Ambient);
        var (a, b) = EnvironmentBrdf(roughness, nDotV);
        var sky = (f0 * a).Plus(b).Times(light.Ambient);

        // the sun's GGX highlight: D G F / (4 n.v) * irradiance (the n.l of the irradiance cancels the BRDF's)
        var h = toEye.Plus(l.expand_as(toEye));
        h = h / h.norm(1, keepdim: true).clamp_min(Scalars.Of(1e-12));
        var nDotH = (normal * h).sum(-1, keepdim: true).clamp_min(Scalars.Of(0));
        var vDotH = (toEye * h).sum(-1, keepdim: true).clamp_min(Scalars.Of(0));
        var alpha2 = roughness.Squared().Squared();
        var denom = (nDotH.Squared() * alpha2.Minus(1.0)).Plus(1.0);
        var d = alpha2 / denom.Squared().Times(Math.PI).clamp_min(Scalars.Of(1e-12));
        var k = roughness.Plus(1.0).Squared().DividedBy(8.0);
        var g = nDotL / (nDotL * k.SubtractedFrom(1)).Plus(k).clamp_min(Scalars.Of(1e-12))
              * (nDotV / (nDotV * k.SubtractedFrom(1)).Plus(k).clamp_min(Scalars.Of(1e-12)));
        var fresnel = f0.Plus(f0.SubtractedFrom(1) * vDotH.SubtractedFrom(1).pow(Scalars.Of(5)));
        var sun = (d * g * fresnel / nDotV.Times(4)).Times(light.Diffuse);
        return diffuse.Plus(sky).Plus(sun).clamp(Scalars.Of(0), Scalars.One);
    }

    /// <summary>Karis (2014), "Physically based shading on mobile": the split sum's environment BRDF as F0 A + B, fitted
    /// analytically in roughness and n.v.</summary>
    public static (Tensor A, Tensor B) EnvironmentBrdf(Tensor roughness, Tensor nDotV)
    {
        var r0 = roughness.SubtractedFrom(1);
        var r1 = roughness.Times(-0.0275).Plus(0.0425);
        var r2 = roughness.Times(-0.572).Plus(1.04);
        var r3 = roughness.Times(0.022).Plus(-0.04);
        var a004 = (torch.minimum(r0 * r0, nDotV.Times(-9.28 * Math.Log(2)).exp()) * r0).Plus(r1);
        return (a004.Times(-1.04).Plus(r2), a004.Times(1.04).Plus(r3));
    }
}
