namespace DreamTime.Studies.Comparison;

/// <summary>One evaluation of a comparison run: iteration, PSNR and mask IoU to the nearest member.</summary>
public sealed record CurvePoint(int Step, double Psnr, double Iou);
