// The 3D view of a run's model.glb: three.js, rendered on demand (when loaded, turned or zoomed), so an open page
// costs nothing while nobody touches it.
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';

export class ModelViewer {
  constructor(canvas) {
    this.canvas = canvas;
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(1);
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(0xffffff);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x888888, 2.0));
    const sun = new THREE.DirectionalLight(0xffffff, 1.2);
    sun.position.set(2, 3, 2);
    this.scene.add(sun);
    this.camera = new THREE.PerspectiveCamera(40, canvas.width / canvas.height, 0.01, 100);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.addEventListener('change', () => this.render());
    this.model = null;
    this.url = null;
    this.unlit = false;
    this.litMaterials = new Map();
  }

  // Unlit shows each surface's own colour (its texture or vertex colour, no shading): what the asset holds.
  setUnlit(unlit) {
    this.unlit = unlit;
    this.model?.traverse((node) => {
      if (!node.isMesh) return;
      if (!this.litMaterials.has(node)) this.litMaterials.set(node, node.material);
      const lit = this.litMaterials.get(node);
      node.material = unlit
        ? new THREE.MeshBasicMaterial({ map: lit.map, color: lit.color, vertexColors: lit.vertexColors, side: lit.side })
        : lit;
    });
    this.render();
    this.canvas.dataset.unlit = String(unlit);
  }

  async show(url) {
    if (url === this.url) return;
    this.url = url;
    const gltf = await new GLTFLoader().loadAsync(url);
    if (this.model) this.scene.remove(this.model);
    this.model = gltf.scene;
    this.litMaterials.clear();
    this.scene.add(this.model);
    if (this.unlit) this.setUnlit(true);
    // frame the model: its bounding sphere fills most of the view, seen a little from above
    const sphere = new THREE.Box3().setFromObject(this.model).getBoundingSphere(new THREE.Sphere());
    const distance = sphere.radius / Math.sin(THREE.MathUtils.degToRad(this.camera.fov / 2)) * 1.1;
    this.camera.position.copy(sphere.center).add(new THREE.Vector3(0, 0.35, 1).normalize().multiplyScalar(distance));
    this.camera.near = distance / 100;
    this.camera.far = distance * 10;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(sphere.center);
    this.controls.update();
    this.render();
    this.canvas.dataset.drawn = url;
  }

  render() {
    this.renderer.render(this.scene, this.camera);
  }
}
